package discord

// Discord's upload limits: 10 MiB per file unless the interaction says more
// (attachment_size_limit), 25 MiB per request, 10 files per message.
const (
	defaultFileLimit = 10 << 20
	requestLimit     = 25 << 20
	maxFiles         = 10
	// requestOverhead leaves room for the JSON part and multipart framing.
	requestOverhead = 64 << 10
)

// fileBudget is the most bytes each of n files may have in one message.
func fileBudget(limit int64, n int) int64 {
	if limit <= 0 {
		limit = defaultFileLimit
	}
	if n < 1 {
		n = 1
	}
	return min(limit, (requestLimit-requestOverhead)/int64(n))
}
