package scenarios

import (
	"slices"
	"strings"
	"time"

	"github.com/rehearse-dev/rehearse/internal/vocab"
)

// Defaults applied by Parse to fields a scenario leaves out. They are
// exported so the CLI can reuse them for its flags and help text.
const (
	DefaultSeed    = 1
	DefaultTimeout = 30 * time.Second
	// DefaultConnectTimeout is callers.connect_timeout's.
	DefaultConnectTimeout = 5 * time.Second
	DefaultRecordBytes    = 200
	DefaultMaxDuration    = 5 * time.Minute
	DefaultDrainTimeout   = 2 * time.Minute
	DefaultUpload         = "POST /v1/callers/{caller}/records"
	DefaultStatusField    = "status"
	DefaultList           = "GET /v1/callers/{caller}/uploads"
	DefaultImagePort      = 8080
	DefaultHealth         = "/healthz"
	DefaultBackoffBase    = time.Second
	DefaultBackoffMax     = 30 * time.Second
	DefaultPartField      = "file"
	DefaultClass          = vocab.DefaultClass
	// DefaultUpgradeTimeout bounds a deploy command (upgrade.timeout) and
	// a reset command (sut.reset.timeout).
	DefaultUpgradeTimeout = 5 * time.Minute
	// DefaultTmpfsMB is the size of a SUT container's /tmp (sut.image.tmpfs_mb).
	DefaultTmpfsMB = 64
	// DefaultPreloadRate is callers per second of data.preload.
	DefaultPreloadRate = 100
)

// applyDefaults fills what the scenario left out, so the engine never has
// to guess; validate runs after it and sees the values actually used.
func (s *Scenario) applyDefaults() {
	if s.Seed == 0 {
		s.Seed = DefaultSeed
	}
	if s.Expect == "" {
		s.Expect = vocab.ExpectPass
	}
	s.SUT.defaults()
	if up := s.Upgrade; up != nil {
		up.defaults()
	}
	if d := s.Data; d != nil && d.Preload != nil && d.Preload.Rate == 0 {
		d.Preload.Rate = DefaultPreloadRate
	}
	s.API.defaults(s.SUT)
	s.Callers.defaults()
	if s.Arrival.Profile == "" {
		s.Arrival.Profile = vocab.ProfileBurst
	}
	if s.Arrival.Window == 0 && s.Arrival.Profile != vocab.ProfileConstant && s.Arrival.Profile != ProfileSteps {
		s.Arrival.Window = Duration(10 * time.Second)
	}
	if s.Run.DrainTimeout == 0 {
		s.Run.DrainTimeout = Duration(DefaultDrainTimeout)
	}
	if s.Run.MaxDuration == 0 {
		s.Run.MaxDuration = Duration(DefaultMaxDuration)
		if d := s.Run.Duration; d > 0 {
			// Periodic callers upload for run.duration: the run's bound
			// is that, the drain, and a minute for the last uploads.
			s.Run.MaxDuration = d + s.Run.DrainTimeout + Duration(time.Minute)
		}
	}
}

// defaults fills the network by the kind of SUT, one reference replica,
// the image's port and health path, and restart policy "no".
func (s *SUT) defaults() {
	if s.Network == "" {
		switch {
		case s.Reference != nil:
			s.Network = vocab.NetworkHost
		case s.Image != nil:
			s.Network = vocab.NetworkBridge
		}
	}
	if s.Reference != nil && s.Reference.Replicas == 0 {
		s.Reference.Replicas = 1
	}
	if im := s.Image; im != nil {
		if im.Port == 0 {
			im.Port = DefaultImagePort
		}
		if im.Health == "" {
			im.Health = DefaultHealth
		}
		if im.Replicas == 0 {
			im.Replicas = 1
		}
		if im.TmpfsMB == 0 {
			im.TmpfsMB = DefaultTmpfsMB
		}
	}
	if r := s.Reset; r != nil && r.Timeout == 0 {
		r.Timeout = Duration(DefaultUpgradeTimeout)
	}
	if s.Restart == nil {
		s.Restart = &Restart{Policy: "no"}
	}
}

// defaults fills the API the reference services speak. Completion is auto
// for every SUT: a 202 with a Location is followed, so an
// async service is tracked without a line of configuration. The listing is
// read back only from a reference SUT whose 202s are followed: one declared
// location, or an async one under auto.
func (a *API) defaults(sut SUT) {
	if a.Upload.Method == "" && a.Upload.Path == "" && !a.Upload.HasSteps() {
		m, p, _ := strings.Cut(DefaultUpload, " ")
		a.Upload.Method, a.Upload.Path = m, p
	}
	a.Upload.defaults()
	a.flowDefaults()
	if a.Completion == "" {
		a.Completion = CompletionAuto
	}
	if r := sut.Reference; a.List == nil && r != nil &&
		(a.Completion == CompletionLocation || a.Completion == CompletionAuto && r.Mode == vocab.ModeAsync) {
		m, p, _ := strings.Cut(DefaultList, " ")
		a.List = &List{Method: m, Path: p}
	}
	if a.List != nil && a.List.Method == "" {
		a.List.Method = "GET"
	}
	if a.StatusField == "" {
		a.StatusField = DefaultStatusField
	}
	if len(a.Done) == 0 {
		a.Done = []string{"done"}
	}
	if len(a.Failed) == 0 {
		a.Failed = []string{"failed"}
	}
}

// defaults fills the long form's method (POST), the body's format (json)
// and the file part's field (file), format (csv) and content type (by its
// format). The one-line form always has a method, so a missing one is the
// long form's.
func (u *Upload) defaults() {
	if u.Method == "" {
		u.Method = "POST"
	}
	if u.Body.Format == "" {
		u.Body.Format = FormatJSON
	}
	if pt := u.Body.Part; pt != nil {
		if pt.Field == "" {
			pt.Field = DefaultPartField
		}
		if pt.Format == "" {
			pt.Format = FormatCSV
		}
		if pt.ContentType == "" {
			pt.ContentType = ContentType(pt.Format)
		}
	}
}

// ContentType is the media type of a body (or a file part) in format f:
// text/csv, application/x-ndjson, application/json, or
// application/octet-stream for raw and any format it does not know. A
// multipart body's own type carries its boundary, so it is not here.
func ContentType(f BodyFormat) string {
	switch f {
	case FormatCSV:
		return "text/csv"
	case FormatNDJSON:
		return "application/x-ndjson"
	case FormatJSON:
		return "application/json"
	}
	return "application/octet-stream"
}

// defaults fills the callers' record size, timeout, record count (100 when
// none is given; max = 2*p99 for a distribution without one) and retry. A
// class keeps its zero fields (they take these values, ClassPlans); only
// its own distribution gets its max.
func (c *Callers) defaults() {
	if c.RecordBytes == 0 {
		c.RecordBytes = DefaultRecordBytes
	}
	if c.Timeout == 0 {
		c.Timeout = Duration(DefaultTimeout)
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = Duration(DefaultConnectTimeout)
	}
	if c.Records == (Distribution{}) {
		c.Records.Fixed = 100
	}
	c.Records.defaults()
	c.Retry.defaults()
	for i := range c.Classes {
		c.Classes[i].Records.defaults()
	}
}

// defaults gives a distribution without a max one of 2*p99; a fixed
// number or an unset distribution is left as it is.
func (d *Distribution) defaults() {
	if d.Fixed == 0 && d.Max == 0 {
		d.Max = 2 * d.P99
	}
}

// defaults makes a retry policy that does not retry (one attempt) but,
// when attempts are raised, backs off exponentially with full jitter on
// timeouts, 5xx, 429 and connection errors.
func (r *Retry) defaults() {
	if r.Attempts == 0 {
		r.Attempts = 1
	}
	if r.Backoff == "" {
		r.Backoff = BackoffExponential
	}
	if r.Base == 0 {
		r.Base = Duration(DefaultBackoffBase)
	}
	if r.Max == 0 {
		r.Max = Duration(DefaultBackoffMax)
	}
	if r.Jitter == "" {
		r.Jitter = JitterFull
	}
	if r.On == nil {
		r.On = slices.Clone(vocab.DefaultRetryOn)
	}
	if r.RetryAfter == "" {
		r.RetryAfter = RetryAfterIgnore
	}
}
