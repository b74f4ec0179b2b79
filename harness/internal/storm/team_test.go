package storm

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
	"github.com/rehearse-dev/rehearse/sut/teamapi"
)

// teamScenario is a storm against the team-shaped API: a bearer token from
// the environment, a multipart CSV, the job id read from the answer and
// polled at its own path, two caller classes.
const teamScenario = `api:
  upload:
    path: "/api/v3/batches?tenant={caller}"
    headers: {Authorization: "Bearer ${TEAM_TOKEN}", X-Request-Id: "{attempt.key}-{attempt.try}"}
    body:
      format: multipart
      fields: {tenant: "{caller}"}
      part: {field: file, filename: "{caller}.csv", format: csv}
      csv_header: "id,value"
      record: "{record.id},{record.payload}"
  completion: body
  status: {path: "/api/v3/jobs/{upload.id}", id_field: job.id}
  status_field: data.state
  done: [finished]
callers:
  count: 120
  record_bytes: 32
  timeout: 5s
  retry: {attempts: 8, backoff: constant, base: 100ms, jitter: full, retry_after: honor}
  classes:
    - {name: erp, weight: 70, records: {median: 20, p99: 200, max: 400}}
    - {name: batch, weight: 30, records: 500, retry: {attempts: 3, backoff: none, retry_after: ignore}}
arrival: {profile: burst, window: 1s}
run: {max_duration: 1m, drain_timeout: 20s}
`

const teamToken = "tok-3f9a1c77e2b0"

// Counts against the team API equal the service's own: requests, rows,
// finished jobs, per tenant; no body is rejected, and the token is in no
// output.
func TestTeamAPICountsMatchTheService(t *testing.T) {
	svc := teamapi.New(teamapi.Config{Token: teamToken, RateLimit: 30, JobDelay: 50 * time.Millisecond})
	srv := httptest.NewServer(svc.Handler())
	defer srv.Close()
	t.Setenv("TEAM_TOKEN", teamToken)
	sc := scenario(t, srv.URL, teamScenario)
	start := time.Now()
	agg := reports.NewAggregator(start)
	var log bytes.Buffer
	alog := reports.NewAttemptLog(&log)
	if _, err := Run(t.Context(), sc, Options{Target: srv.URL, Start: start, Aggregator: agg, AttemptLog: alog}); err != nil {
		t.Fatal(err)
	}
	_ = alog.Flush()
	rep := agg.Finish(time.Now())
	pop, err := scenarios.NewPopulation(sc)
	if err != nil {
		t.Fatal(err)
	}
	tr := svc.Truth()
	t.Logf("service: %d requests, %d accepted, %d rows, %d finished, %d rate-limited, %d early; erp %+v; batch %+v",
		tr.Requests, tr.Accepted, tr.Rows, tr.Finished, tr.RateLimited, tr.EarlyRetries, *rep.Classes["erp"], *rep.Classes["batch"])
	if tr.Rejected != 0 || tr.Unauthorized != 0 {
		t.Fatalf("the service rejected %d bodies and %d tokens", tr.Rejected, tr.Unauthorized)
	}
	if rep.Requests.Total != tr.Requests || rep.Requests.Status["201"] != tr.Accepted || rep.Requests.Status["429"] != tr.RateLimited {
		t.Fatalf("report requests %+v, service %+v", rep.Requests, tr)
	}
	if rep.Async == nil || rep.Async.Accepted != tr.Accepted || rep.Async.Completed != tr.Finished || rep.Async.Lost != 0 {
		t.Fatalf("report async %+v, service %+v", rep.Async, tr)
	}
	classOf := map[string]string{}
	for i := range pop.Len() {
		c := pop.Caller(i)
		classOf[c.Name] = pop.Classes()[c.Class].Name
	}
	for tenant, n := range tr.EarlyTenants {
		if classOf[tenant] != "batch" {
			t.Fatalf("%s of class %s, which honours Retry-After, came back early %d times", tenant, classOf[tenant], n)
		}
	}
	if tr.RateLimited == 0 || rep.Classes["erp"].RetryAfterWaits == 0 {
		t.Fatalf("the service never limited the rate (%d) or no erp caller waited for Retry-After: the test shows nothing", tr.RateLimited)
	}
	rows := int64(0)
	for i := range pop.Len() {
		c := pop.Caller(i)
		if n := tr.PerTenant[c.Name]; n > 1 {
			t.Fatalf("%s uploaded %d times", c.Name, n)
		} else if n == 1 {
			rows += int64(c.Records)
		}
	}
	if rows != tr.Rows {
		t.Fatalf("rows of accepted callers %d, service stored %d", rows, tr.Rows)
	}
	erp, batch := rep.Classes["erp"], rep.Classes["batch"]
	if erp == nil || batch == nil || erp.Callers != 84 || batch.Callers != 36 || erp.Attempts+batch.Attempts != tr.Requests {
		t.Fatalf("classes erp %+v batch %+v, service saw %d requests", erp, batch, tr.Requests)
	}
	out, _ := json.Marshal(rep)
	if bytes.Contains(out, []byte(teamToken)) || bytes.Contains(log.Bytes(), []byte(teamToken)) {
		t.Fatal("the token is in the report or the attempt log")
	}
}

// An answer the status mapping cannot read is bad_answer, counted per
// attempt, with one example kept; the caller does not count as done.
func TestBadAnswerIsCountedWithAnExample(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"jobId":"j-1"}`)
	}))
	defer srv.Close()
	sc := scenario(t, srv.URL, "api: {completion: body, status: {path: \"/jobs/{upload.id}\", id_field: job.id}}\n"+
		"callers: {count: 10, records: 1}\narrival: {profile: burst, window: 10ms}\n")
	rep, _ := run(t.Context(), t, sc, srv.URL)
	if got := rep.Requests.Errors[reports.ClassBadAnswer]; got != 10 || rep.Callers.Succeeded != 0 {
		t.Fatalf("bad_answer %d, succeeded %d; want 10 and 0", got, rep.Callers.Succeeded)
	}
	if b := rep.BadAnswer; b == nil || b.Status != 201 || !strings.Contains(b.Reason, "job.id") || b.Body != `{"jobId":"j-1"}` {
		t.Fatalf("example %+v", rep.BadAnswer)
	}
}
