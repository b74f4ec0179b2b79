package k8sapply

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// Client is the cluster's API as Run uses it: eight JSON requests over
// client-go's authenticated transport (rest.HTTPClientFor: the
// kubeconfig's certificates, tokens and exec plugins). Not client-go's
// typed clientset: that registers every API group's types and would add
// 37 MB to a binary that needs two of them.
type Client struct {
	base string // the API server's URL, without a trailing /
	http *http.Client
}

// NewClient is the Client of cfg.
func NewClient(cfg *rest.Config) (*Client, error) {
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	host := cfg.Host
	if !strings.Contains(host, "://") {
		host = "https://" + host
	}
	return &Client{base: strings.TrimSuffix(host, "/") + strings.TrimSuffix(cfg.APIPath, "/"), http: hc}, nil
}

// apiError is the API server's refusal: its Status, or the HTTP status.
type apiError struct {
	code   int
	status metav1.Status
}

func (e *apiError) Error() string {
	if e.status.Message != "" {
		return fmt.Sprintf("%s (%s, HTTP %d)", e.status.Message, e.status.Reason, e.code)
	}
	return fmt.Sprintf("HTTP %d", e.code)
}

// do sends method path with in as JSON (nil: no body) and decodes a 2xx
// answer into out (nil: dropped).
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	rc, err := c.send(ctx, method, path, in)
	if err != nil {
		return err
	}
	defer rc.Close()
	if out == nil {
		_, err = io.Copy(io.Discard, rc)
		return err
	}
	return json.NewDecoder(rc).Decode(out)
}

// send sends the request and returns a 2xx answer's body.
func (c *Client) send(ctx context.Context, method, path string, in any) (io.ReadCloser, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		e := &apiError{code: resp.StatusCode}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		_ = json.Unmarshal(b, &e.status) // a body that is not a Status leaves the code alone
		return nil, e
	}
	return resp.Body, nil
}

func corePath(ns, kind string) string { return "/api/v1/namespaces/" + url.PathEscape(ns) + "/" + kind }
func batchPath(ns, kind string) string {
	return "/apis/batch/v1/namespaces/" + url.PathEscape(ns) + "/" + kind
}

func (c *Client) createConfigMap(ctx context.Context, ns string, cm *corev1.ConfigMap) error {
	return c.do(ctx, http.MethodPost, corePath(ns, "configmaps"), cm, nil)
}

func (c *Client) createJob(ctx context.Context, ns string, job *batchv1.Job) error {
	return c.do(ctx, http.MethodPost, batchPath(ns, "jobs"), job, nil)
}

func (c *Client) getJob(ctx context.Context, ns, name string) (*batchv1.Job, error) {
	var job batchv1.Job
	return &job, c.do(ctx, http.MethodGet, batchPath(ns, "jobs")+"/"+url.PathEscape(name), nil, &job)
}

func (c *Client) listPods(ctx context.Context, ns, selector string) (*corev1.PodList, error) {
	var pods corev1.PodList
	return &pods, c.do(ctx, http.MethodGet, corePath(ns, "pods")+"?labelSelector="+url.QueryEscape(selector), nil, &pods)
}

func (c *Client) podLog(ctx context.Context, ns, pod, container string) (io.ReadCloser, error) {
	return c.send(ctx, http.MethodGet, corePath(ns, "pods")+"/"+url.PathEscape(pod)+"/log?container="+url.QueryEscape(container), nil)
}

// deleteJob deletes a Job and, in the background, its pods.
func (c *Client) deleteJob(ctx context.Context, ns, name string) error {
	return c.do(ctx, http.MethodDelete, batchPath(ns, "jobs")+"/"+url.PathEscape(name)+"?propagationPolicy=Background", nil, nil)
}

func (c *Client) deleteConfigMap(ctx context.Context, ns, name string) error {
	return c.do(ctx, http.MethodDelete, corePath(ns, "configmaps")+"/"+url.PathEscape(name), nil, nil)
}
