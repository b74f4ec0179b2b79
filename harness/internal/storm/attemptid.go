package storm

// attemptID names one attempt: a caller and its try number (1 = first).
type attemptID struct {
	caller int
	try    int32
}
