package scenarios

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// load reads a scenario file, or every *.yaml / *.yml file of a folder in
// name order. Problems of every file are joined; the scenarios that parsed
// are returned with them.
func load(path string) ([]*Scenario, error) {
	files, err := scenarioFiles(path)
	if err != nil {
		return nil, err
	}
	var out []*Scenario
	var errs []error
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: %v", ErrInvalid, err))
			continue
		}
		sc, err := Parse(f, src)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, sc)
	}
	return out, errors.Join(errs...)
}

// scenarioFiles is path itself, or the .yaml / .yml files of the folder
// path in name order; a folder without one is an error.
func scenarioFiles(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	var files []string
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, filepath.Join(path, e.Name()))
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: folder %s holds no .yaml scenario", ErrInvalid, path)
	}
	return files, nil
}

// Parse decodes a scenario strictly, applies the defaults and validates it.
// Every problem is reported at once, each a *FieldError matching ErrInvalid
// at its line and column: every unknown key and every value of the wrong
// kind (checkShape), and every invalid value of the rest
// (valueErrorsBeside), in the order of the file.
func Parse(file string, src []byte) (*Scenario, error) {
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		return nil, yamlError(file, err)
	}
	if errs := checkShape(file, f); len(errs) > 0 {
		errs = append(errs, valueErrorsBeside(&locator{file: file, ast: f}, src, errs)...)
		byPosition(errs)
		return nil, errors.Join(errs...)
	}
	var sc Scenario
	if err := yaml.UnmarshalWithOptions(src, &sc, yaml.Strict()); err != nil {
		return nil, yamlError(file, err)
	}
	sc.File, sc.Source = file, src
	sc.applyDefaults()
	l := &locator{file: file, ast: f}
	_, countGiven := l.find("callers.count")
	sc.loadCallers(l, countGiven)
	sc.stepCount(l, countGiven)
	sc.uploadsCount(l, countGiven)
	if err := sc.validate(l); err != nil {
		return nil, err
	}
	return &sc, nil
}

// yamlError turns an error of the YAML library into a *FieldError at the
// token it names, keeping the library's message without its source excerpt.
func yamlError(file string, err error) error {
	var ye interface {
		GetToken() *token.Token
		GetMessage() string
	}
	if errors.As(err, &ye) && ye.GetToken() != nil {
		p := ye.GetToken().Position
		return &FieldError{File: file, Line: p.Line, Column: p.Column, Msg: ye.GetMessage()}
	}
	return &FieldError{File: file, Msg: err.Error()}
}
