package reports

// Files of a run folder, beside AttemptLogFile and logs/: what harness
// writes and what compare, history and merge read back.
const (
	ReportJSON  = "report.json"
	ReportHTML  = "report.html"
	ReportMD    = "report.md"
	ReportJUnit = "junit.xml"
)
