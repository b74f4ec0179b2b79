package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/rehearse-dev/rehearse/internal/errext"
)

// An import never overwrites what an earlier one wrote unless --force
// (docs/import.md, "Output files"): two imports of logs named alike
// (access.log of two days) wrote the same NAME and the second silently
// replaced the first's trace. Existing files are refused before any log is
// read, and again as each file is put in place, so two imports running at
// once cannot both win.

// existsError is the one sentence for an output file that is there.
func existsError(path string) error {
	return errext.WithExitCodeIfNone(fmt.Errorf("%s exists: pass --force to overwrite it, or --name to write another", path), errext.Usage)
}

// refuseExisting fails on the first of paths that exists, unless force.
func refuseExisting(force bool, paths ...string) error {
	if force {
		return nil
	}
	for _, p := range paths {
		if _, err := os.Lstat(p); err == nil {
			return existsError(p)
		}
	}
	return nil
}

// placeFile moves the finished temporary file tmp to path: a rename with
// force; else a hard link, which fails when path exists (tmp is removed by
// its owner either way). A file system without hard links gets a check
// and a rename.
func placeFile(tmp, path string, force bool) error {
	if force {
		return os.Rename(tmp, path)
	}
	err := os.Link(tmp, path)
	switch {
	case err == nil:
		return os.Remove(tmp)
	case errors.Is(err, fs.ErrExist):
		return existsError(path)
	}
	if err := refuseExisting(false, path); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// createFile writes data to path, refusing an existing path unless force.
func createFile(path string, data []byte, force bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if !force {
		flags |= os.O_EXCL
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return existsError(path)
	}
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return errors.Join(err, f.Close())
}
