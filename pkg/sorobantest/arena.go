package sorobantest

// arenaChunkSize is the size of one arena chunk. Values are appended to the last chunk,
// so storing many small values costs one allocation per MiB instead of one per value.
const arenaChunkSize = 1 << 20

// arena stores event values back to back in fixed-size chunks. Growing it never copies
// stored bytes, and pruning frees whole chunks.
type arena struct {
	chunks [][]byte // a pruned chunk is nil; indexes stay stable
}

// add copies value into the arena and returns its reference and length.
func (a *arena) add(value []byte) (uint64, uint32) {
	n := len(a.chunks)
	if n == 0 || len(a.chunks[n-1])+len(value) > cap(a.chunks[n-1]) {
		a.chunks = append(a.chunks, make([]byte, 0, max(arenaChunkSize, len(value))))
		n++
	}
	chunk := a.chunks[n-1]
	off := len(chunk)
	a.chunks[n-1] = append(chunk, value...)
	return uint64(n-1)<<32 | uint64(off), uint32(len(value))
}

// get returns the stored bytes of a value; the caller must not modify them.
func (a *arena) get(ref uint64, length uint32) []byte {
	chunk := a.chunks[ref>>32]
	off := uint32(ref)
	return chunk[off : off+length]
}

// freeBefore drops every chunk with an index below first.
func (a *arena) freeBefore(first uint64) {
	for i := uint64(0); i < first && i < uint64(len(a.chunks)); i++ {
		a.chunks[i] = nil
	}
}
