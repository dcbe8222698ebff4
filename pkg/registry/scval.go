package registry

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/stellar/go-stellar-sdk/strkey"
	"github.com/stellar/go-stellar-sdk/xdr"
)

// hashLen is the length in bytes of every hash the contract stores (BytesN<32>).
const hashLen = 32

// scValDecoder holds the buffers of base64 ScVal decodes, so the hot path reuses them.
type scValDecoder struct {
	text  []byte
	raw   []byte
	bytes *xdr.BytesDecoder

	// vals are the decoded values of the event being decoded. They live here and not on the
	// caller's stack because DecodeFrom makes them escape, costing an allocation each.
	vals [eventTopicCount]xdr.ScVal
}

var decoderPool = sync.Pool{New: func() any {
	return &scValDecoder{bytes: xdr.NewBytesDecoder()}
}}

func getDecoder() *scValDecoder {
	return decoderPool.Get().(*scValDecoder)
}

// release clears the decoded values, so the pool holds no references to them, and returns d
// to the pool.
func (d *scValDecoder) release() {
	d.vals = [eventTopicCount]xdr.ScVal{}
	decoderPool.Put(d)
}

// decode decodes one base64 XDR ScVal into out. It checks what xdr.SafeUnmarshalBase64 checks
// (valid base64, the whole input consumed) but reuses its buffers and calls the generated
// DecodeFrom instead of reading through a streaming base64 decoder.
func (d *scValDecoder) decode(s string, out *xdr.ScVal) error {
	d.text = append(d.text[:0], s...)
	if n := base64.StdEncoding.DecodedLen(len(s)); cap(d.raw) < n {
		d.raw = make([]byte, n)
	}
	n, err := base64.StdEncoding.Decode(d.raw[:cap(d.raw)], d.text)
	if err != nil {
		return fmt.Errorf("invalid base64: %w", err)
	}

	read, err := d.bytes.DecodeBytes(out, d.raw[:n])
	if err != nil {
		return fmt.Errorf("invalid XDR ScVal: %w", err)
	}
	if read != n {
		return fmt.Errorf("invalid XDR ScVal: %d trailing bytes after the value", n-read)
	}
	return nil
}

// typeName returns the short XDR name of an ScVal type, such as "U64".
func typeName(t xdr.ScValType) string {
	name := t.String()
	if name == "" {
		return fmt.Sprintf("ScValType(%d)", int32(t))
	}
	return strings.TrimPrefix(name, "ScValTypeScv")
}

func wrongType(v xdr.ScVal, want string) error {
	return fmt.Errorf("got %s, want %s", typeName(v.Type), want)
}

func emptyArm(want string) error {
	return fmt.Errorf("%s ScVal has a nil %s arm", want, want)
}

func u64Of(v xdr.ScVal) (uint64, error) {
	if v.Type != xdr.ScValTypeScvU64 {
		return 0, wrongType(v, "U64")
	}
	if v.U64 == nil {
		return 0, emptyArm("U64")
	}
	return uint64(*v.U64), nil
}

func u32Of(v xdr.ScVal) (uint32, error) {
	if v.Type != xdr.ScValTypeScvU32 {
		return 0, wrongType(v, "U32")
	}
	if v.U32 == nil {
		return 0, emptyArm("U32")
	}
	return uint32(*v.U32), nil
}

func symbolOf(v xdr.ScVal) (string, error) {
	if v.Type != xdr.ScValTypeScvSymbol {
		return "", wrongType(v, "Symbol")
	}
	if v.Sym == nil {
		return "", emptyArm("Symbol")
	}
	return string(*v.Sym), nil
}

func stringOf(v xdr.ScVal) (string, error) {
	if v.Type != xdr.ScValTypeScvString {
		return "", wrongType(v, "String")
	}
	if v.Str == nil {
		return "", emptyArm("String")
	}
	return string(*v.Str), nil
}

// hashOf returns a Bytes ScVal of exactly 32 bytes as lower-case hex.
func hashOf(v xdr.ScVal) (string, error) {
	if v.Type != xdr.ScValTypeScvBytes {
		return "", wrongType(v, "Bytes")
	}
	if v.Bytes == nil {
		return "", emptyArm("Bytes")
	}
	if len(*v.Bytes) != hashLen {
		return "", fmt.Errorf("Bytes has %d bytes, want %d", len(*v.Bytes), hashLen)
	}
	return hex.EncodeToString(*v.Bytes), nil
}

func mapOf(v xdr.ScVal) (xdr.ScMap, error) {
	if v.Type != xdr.ScValTypeScvMap {
		return nil, wrongType(v, "Map")
	}
	if v.Map == nil || *v.Map == nil {
		return nil, emptyArm("Map")
	}
	return **v.Map, nil
}

func vecOf(v xdr.ScVal) (xdr.ScVec, error) {
	if v.Type != xdr.ScValTypeScvVec {
		return nil, wrongType(v, "Vec")
	}
	if v.Vec == nil || *v.Vec == nil {
		return nil, emptyArm("Vec")
	}
	return **v.Vec, nil
}

// addressOf returns an Address ScVal as a strkey: G… for accounts, C… for contracts and
// M… for muxed accounts.
func addressOf(v xdr.ScVal) (string, error) {
	if v.Type != xdr.ScValTypeScvAddress {
		return "", wrongType(v, "Address")
	}
	if v.Address == nil {
		return "", emptyArm("Address")
	}

	address := *v.Address
	switch address.Type {
	case xdr.ScAddressTypeScAddressTypeAccount:
		account := address.AccountId
		if account == nil || account.Type != xdr.PublicKeyTypePublicKeyTypeEd25519 || account.Ed25519 == nil {
			return "", errors.New("account Address has no ed25519 public key")
		}
		return strkey.Encode(strkey.VersionByteAccountID, account.Ed25519[:])
	case xdr.ScAddressTypeScAddressTypeContract:
		if address.ContractId == nil {
			return "", errors.New("contract Address has no contract id")
		}
		return strkey.Encode(strkey.VersionByteContract, address.ContractId[:])
	case xdr.ScAddressTypeScAddressTypeMuxedAccount:
		if address.MuxedAccount == nil {
			return "", errors.New("muxed account Address has no account")
		}
		return address.String()
	default:
		return "", fmt.Errorf("unsupported Address type %s: want an account, contract or muxed account", address.Type)
	}
}

// field returns the value of the map entry whose key is Symbol(name).
func field(m xdr.ScMap, name string) (xdr.ScVal, bool) {
	for _, entry := range m {
		key := entry.Key
		if key.Type == xdr.ScValTypeScvSymbol && key.Sym != nil && string(*key.Sym) == name {
			return entry.Val, true
		}
	}
	return xdr.ScVal{}, false
}

// fieldReader reads typed fields from a struct-like ScMap and keeps the first error, so a
// decoder reads every field in a row and checks once.
type fieldReader struct {
	m    xdr.ScMap
	what string
	err  error
}

func (r *fieldReader) get(name string) (xdr.ScVal, bool) {
	if r.err != nil {
		return xdr.ScVal{}, false
	}
	v, ok := field(r.m, name)
	if !ok {
		r.err = fmt.Errorf("%s field %q is missing", r.what, name)
	}
	return v, ok
}

func (r *fieldReader) fail(name string, err error) {
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("%s field %q: %w", r.what, name, err)
	}
}

func readField[T any](r *fieldReader, name string, decode func(xdr.ScVal) (T, error)) T {
	var out T
	if v, ok := r.get(name); ok {
		var err error
		out, err = decode(v)
		r.fail(name, err)
	}
	return out
}

func symbolVal(s string) xdr.ScVal {
	sym := xdr.ScSymbol(s)
	return xdr.ScVal{Type: xdr.ScValTypeScvSymbol, Sym: &sym}
}

func u64Val(v uint64) xdr.ScVal {
	u := xdr.Uint64(v)
	return xdr.ScVal{Type: xdr.ScValTypeScvU64, U64: &u}
}

func u32Val(v uint32) xdr.ScVal {
	u := xdr.Uint32(v)
	return xdr.ScVal{Type: xdr.ScValTypeScvU32, U32: &u}
}

func stringVal(s string) xdr.ScVal {
	str := xdr.ScString(s)
	return xdr.ScVal{Type: xdr.ScValTypeScvString, Str: &str}
}

func vecVal(items ...xdr.ScVal) xdr.ScVal {
	vec := xdr.ScVec(items)
	ptr := &vec
	return xdr.ScVal{Type: xdr.ScValTypeScvVec, Vec: &ptr}
}

func mapVal(entries xdr.ScMap) xdr.ScVal {
	ptr := &entries
	return xdr.ScVal{Type: xdr.ScValTypeScvMap, Map: &ptr}
}

// hashVal encodes 64 hex digits as a 32-byte Bytes ScVal.
func hashVal(name, hexHash string) (xdr.ScVal, error) {
	raw, err := hex.DecodeString(hexHash)
	if err != nil || len(raw) != hashLen {
		return xdr.ScVal{}, fmt.Errorf("invalid %s %q: want %d hex digits", name, hexHash, 2*hashLen)
	}
	b := xdr.ScBytes(raw)
	return xdr.ScVal{Type: xdr.ScValTypeScvBytes, Bytes: &b}, nil
}

// addressVal encodes a G…, C… or M… strkey as an Address ScVal.
func addressVal(name, address string) (xdr.ScVal, error) {
	scAddress, err := scAddressOf(address)
	if err != nil {
		return xdr.ScVal{}, fmt.Errorf("invalid %s %q: %w", name, address, err)
	}
	return xdr.ScVal{Type: xdr.ScValTypeScvAddress, Address: &scAddress}, nil
}

func scAddressOf(address string) (xdr.ScAddress, error) {
	version, payload, err := strkey.DecodeAny(address)
	if err != nil {
		return xdr.ScAddress{}, err
	}

	switch version {
	case strkey.VersionByteAccountID:
		var key xdr.Uint256
		copy(key[:], payload)
		account := xdr.AccountId{Type: xdr.PublicKeyTypePublicKeyTypeEd25519, Ed25519: &key}
		return xdr.ScAddress{Type: xdr.ScAddressTypeScAddressTypeAccount, AccountId: &account}, nil
	case strkey.VersionByteContract:
		var id xdr.ContractId
		copy(id[:], payload)
		return xdr.ScAddress{Type: xdr.ScAddressTypeScAddressTypeContract, ContractId: &id}, nil
	case strkey.VersionByteMuxedAccount:
		muxed, err := strkey.DecodeMuxedAccount(address)
		if err != nil {
			return xdr.ScAddress{}, err
		}
		account := xdr.MuxedEd25519Account{Id: xdr.Uint64(muxed.ID()), Ed25519: xdr.Uint256(muxed.Ed25519())}
		return xdr.ScAddress{Type: xdr.ScAddressTypeScAddressTypeMuxedAccount, MuxedAccount: &account}, nil
	default:
		return xdr.ScAddress{}, errors.New("not an account (G…), contract (C…) or muxed account (M…) strkey")
	}
}
