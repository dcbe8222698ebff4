package registry

import (
	"testing"

	"github.com/stellar/go-stellar-sdk/xdr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// encoded returns the getEvents form of the sample event of kind.
func encoded(t *testing.T, kind EventKind) ([]string, string) {
	t.Helper()
	topics, value, err := EncodeEvent(sampleEvents()[kind])
	require.NoError(t, err)
	return topics, value
}

// replaceTopic returns topics with topics[i] set to v.
func replaceTopic(topics []string, i int, v string) []string {
	out := append([]string(nil), topics...)
	out[i] = v
	return out
}

// dropField returns the entries without the one keyed name.
func dropField(name string) func(xdr.ScMap) xdr.ScMap {
	return func(m xdr.ScMap) xdr.ScMap {
		var out xdr.ScMap
		for _, e := range m {
			if string(*e.Key.Sym) != name {
				out = append(out, e)
			}
		}
		return out
	}
}

// setField returns the entries with the value keyed name replaced by v.
func setField(name string, v xdr.ScVal) func(xdr.ScMap) xdr.ScMap {
	return func(m xdr.ScMap) xdr.ScMap {
		out := append(xdr.ScMap(nil), m...)
		for i := range out {
			if string(*out[i].Key.Sym) == name {
				out[i].Val = v
			}
		}
		return out
	}
}

func bytesVal(n int) xdr.ScVal {
	b := xdr.ScBytes(make([]byte, n))
	return xdr.ScVal{Type: xdr.ScValTypeScvBytes, Bytes: &b}
}

func TestDecodeEventMalformed(t *testing.T) {
	infTopics, infValue := encoded(t, KindInferenceLogged)
	regTopics, regValue := encoded(t, KindModelRegistered)
	biasTopics, biasValue := encoded(t, KindBiasFlagged)
	nilMap := (*xdr.ScMap)(nil)
	poolID := xdr.PoolId{}
	poolAddress := xdr.ScAddress{Type: xdr.ScAddressTypeScAddressTypeLiquidityPool, LiquidityPoolId: &poolID}

	cases := []struct {
		name   string
		topics []string
		value  string
		want   string
	}{
		{"no topics", nil, infValue,
			"decode event: no topics, want 3 (event name, model_id and one more)"},
		{"name not base64", replaceTopic(infTopics, 0, "!!!!"), infValue,
			"decode event: topic 0: invalid base64: illegal base64 data at input byte 0"},
		{"name truncated", replaceTopic(infTopics, 0, "AAAADwAAABBpbmZl"), infValue,
			"decode event: topic 0: invalid XDR ScVal: decoding ScSymbol: decoding ScSymbol: xdr:DecodeString: data exceeds max slice limit - read: '16'"},
		{"name not a symbol", replaceTopic(infTopics, 0, U32Topic(1)), infValue,
			"decode event: topic 0 (event name): got U32, want Symbol"},
		{"two topics", infTopics[:2], infValue,
			"decode inference_logged event: got 2 topics, want 3"},
		{"four topics", append(append([]string(nil), infTopics...), U32Topic(1)), infValue,
			"decode inference_logged event: got 4 topics, want 3"},
		{"model id not base64", replaceTopic(infTopics, 1, "AAAABQAAAAAAAAA"), infValue,
			"decode inference_logged event: topic 1: invalid base64: illegal base64 data at input byte 12"},
		{"model id truncated", replaceTopic(infTopics, 1, "AAAABQAAAAA="), infValue,
			"decode inference_logged event: topic 1: invalid XDR ScVal: decoding Uint64: decoding Unsigned hyper: xdr:DecodeUhyper: unexpected EOF while decoding 8 bytes - read: '[0 0 0 0]'"},
		{"model id trailing bytes", replaceTopic(infTopics, 1, "AAAABQAAAAAAAAAEAAAAAA=="), infValue,
			"decode inference_logged event: topic 1: invalid XDR ScVal: 4 trailing bytes after the value"},
		{"model id as symbol", replaceTopic(infTopics, 1, TopicSymbol(KindBiasFlagged)), infValue,
			"decode inference_logged event: topic 1 (model_id): got Symbol, want U64"},
		{"risk as u64", replaceTopic(infTopics, 2, U64Topic(2)), infValue,
			"decode inference_logged event: topic 2 (risk_level): got U64, want U32"},
		{"risk out of range", replaceTopic(infTopics, 2, U32Topic(7)), infValue,
			"decode inference_logged event: topic 2 (risk_level): 7 is not a risk level (0 low to 3 critical)"},
		{"operator topic as u32", replaceTopic(regTopics, 2, U32Topic(1)), regValue,
			"decode model_registered event: topic 2 (operator): got U32, want Address"},
		{"auditor is a pool", replaceTopic(biasTopics, 2, mustMarshal(xdr.ScVal{Type: xdr.ScValTypeScvAddress, Address: &poolAddress})), biasValue,
			"decode bias_flagged event: topic 2 (auditor): unsupported Address type ScAddressTypeScAddressTypeLiquidityPool: want an account, contract or muxed account"},
		{"value not base64", infTopics, "AAAAEQ===",
			"decode inference_logged event: value: invalid base64: illegal base64 data at input byte 8"},
		{"value truncated", infTopics, infValue[:40],
			"decode inference_logged event: value: invalid XDR ScVal: decoding ScMap: decoding ScMapEntry: decoding ScVal: decoding ScValType: decoding ScValType: xdr:DecodeInt: unexpected EOF while decoding 4 bytes - read: '[0 0]'"},
		{"value is a vec", infTopics, mustMarshal(vecVal(u64Val(1))),
			"decode inference_logged event: value: got Vec, want Map"},
		{"value map absent", infTopics, mustMarshal(xdr.ScVal{Type: xdr.ScValTypeScvMap, Map: &nilMap}),
			"decode inference_logged event: value: Map ScVal has a nil Map arm"},
		{"payload hash missing", infTopics, withMap(t, infValue, dropField("payload_hash")),
			`decode inference_logged event: value field "payload_hash" is missing`},
		{"event id as u32", infTopics, withMap(t, infValue, setField("event_id", u32Val(1))),
			`decode inference_logged event: value field "event_id": got U32, want U64`},
		{"payload hash short", infTopics, withMap(t, infValue, setField("payload_hash", bytesVal(31))),
			`decode inference_logged event: value field "payload_hash": Bytes has 31 bytes, want 32`},
		{"name as symbol", regTopics, withMap(t, regValue, setField("name", symbolVal("x"))),
			`decode model_registered event: value field "name": got Symbol, want String`},
		{"evidence hash missing", biasTopics, withMap(t, biasValue, dropField("evidence_hash")),
			`decode bias_flagged event: value field "evidence_hash" is missing`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeEvent(tc.topics, tc.value)
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
			assert.NotErrorIs(t, err, ErrUnknownEvent)
			assert.Equal(t, Event{}, got)
		})
	}
}

func TestDecodeEventIgnoresExtraFields(t *testing.T) {
	topics, value := encoded(t, KindBiasFlagged)
	extended := withMap(t, value, func(m xdr.ScMap) xdr.ScMap {
		return append(m, xdr.ScMapEntry{Key: symbolVal("severity"), Val: u32Val(3)})
	})

	got, err := DecodeEvent(topics, extended)
	require.NoError(t, err)
	assert.Equal(t, sampleEvents()[KindBiasFlagged], got)
}

func TestDecodeEventDeepNesting(t *testing.T) {
	topics, _ := encoded(t, KindInferenceLogged)
	v := u64Val(1)
	for range 2000 {
		v = vecVal(v)
	}

	_, err := DecodeEvent(topics, mustMarshal(v))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "decode inference_logged event: value: invalid XDR ScVal: ")
	assert.ErrorIs(t, err, xdr.ErrMaxDecodingDepthReached)
}

// FuzzDecodeEvent checks that no input makes DecodeEvent panic, and that what it accepts
// encodes back to the same event.
func FuzzDecodeEvent(f *testing.F) {
	for _, ev := range sampleEvents() {
		topics, value, err := EncodeEvent(ev)
		require.NoError(f, err)
		f.Add(topics[0], topics[1], topics[2], value)
	}
	f.Fuzz(func(t *testing.T, name, second, third, value string) {
		ev, err := DecodeEvent([]string{name, second, third}, value)
		if err != nil {
			return
		}
		topics, encodedValue, err := EncodeEvent(ev)
		require.NoError(t, err)
		again, err := DecodeEvent(topics, encodedValue)
		require.NoError(t, err)
		assert.Equal(t, ev, again)
	})
}
