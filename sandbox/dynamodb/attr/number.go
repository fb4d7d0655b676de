package attr

import (
	"math/big"
	"strings"
)

// DynamoDB numbers: up to 38 significant digits, magnitude from 1E-130 to below 1E+126.
const (
	maxDigits = 38
	maxExp    = 126  // value < 10^126
	minExp    = -129 // value >= 10^-130
)

// Number-rule messages, as DynamoDB words them.
const (
	msgNotNumeric = "The parameter cannot be converted to a numeric value: "
	msgPrecision  = "Attempting to store more than 38 significant digits in a Number"
	msgOverflow   = "Number overflow. Attempting to store a number with magnitude larger than supported range"
	msgUnderflow  = "Number underflow. Attempting to store a number with magnitude smaller than supported range"
)

// decimal is ±0.digits × 10^exp with no leading or trailing zeros in digits; zero has
// empty digits.
type decimal struct {
	neg    bool
	digits string
	exp    int
}

// NumberError is a number that DynamoDB would refuse; Message is its wording.
type NumberError struct{ Message string }

func (e *NumberError) Error() string { return e.Message }

// ParseNumber validates s as a DynamoDB number and returns its normalized form
// ("1.50" → "1.5", "1e3" → "1000", "-0" → "0").
func ParseNumber(s string) (string, error) {
	d, err := parseDecimal(s)
	if err != nil {
		return "", err
	}
	return d.String(), nil
}

func parseDecimal(s string) (decimal, error) {
	bad := func() (decimal, error) { return decimal{}, &NumberError{msgNotNumeric + s} }
	var d decimal
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		d.neg = s[i] == '-'
		i++
	}
	var digits strings.Builder
	intLen, seen := 0, false
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		digits.WriteByte(s[i])
		intLen++
		i++
		seen = true
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			digits.WriteByte(s[i])
			i++
			seen = true
		}
	}
	if !seen {
		return bad()
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			eneg = s[i] == '-'
			i++
		}
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			// Clamp: anything this large is out of range either way.
			if exp < 1_000_000 {
				exp = exp*10 + int(s[i]-'0')
			}
			i++
		}
		if i == start {
			return bad()
		}
		if eneg {
			exp = -exp
		}
	}
	if i != len(s) {
		return bad()
	}
	ds := digits.String()
	e := intLen + exp
	lead := 0
	for lead < len(ds) && ds[lead] == '0' {
		lead++
	}
	ds = ds[lead:]
	e -= lead
	ds = strings.TrimRight(ds, "0")
	if ds == "" {
		return decimal{}, nil
	}
	d.digits, d.exp = ds, e
	if len(ds) > maxDigits {
		return decimal{}, &NumberError{msgPrecision}
	}
	if e > maxExp {
		return decimal{}, &NumberError{msgOverflow}
	}
	if e < minExp {
		return decimal{}, &NumberError{msgUnderflow}
	}
	return d, nil
}

// String is the plain decimal form.
func (d decimal) String() string {
	if d.digits == "" {
		return "0"
	}
	var b strings.Builder
	if d.neg {
		b.WriteByte('-')
	}
	switch {
	case d.exp <= 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -d.exp))
		b.WriteString(d.digits)
	case d.exp >= len(d.digits):
		b.WriteString(d.digits)
		b.WriteString(strings.Repeat("0", d.exp-len(d.digits)))
	default:
		b.WriteString(d.digits[:d.exp])
		b.WriteByte('.')
		b.WriteString(d.digits[d.exp:])
	}
	return b.String()
}

// CompareNumbers orders two valid numbers (normalized or not): -1, 0 or 1.
func CompareNumbers(a, b string) int {
	da, _ := parseDecimal(a)
	db, _ := parseDecimal(b)
	return compareDecimal(da, db)
}

func compareDecimal(a, b decimal) int {
	sign := func(d decimal) int {
		switch {
		case d.digits == "":
			return 0
		case d.neg:
			return -1
		}
		return 1
	}
	sa, sb := sign(a), sign(b)
	if sa != sb {
		if sa < sb {
			return -1
		}
		return 1
	}
	if sa == 0 {
		return 0
	}
	c := 0
	switch {
	case a.exp != b.exp:
		c = 1
		if a.exp < b.exp {
			c = -1
		}
	default:
		c = strings.Compare(a.digits, b.digits)
	}
	return c * sa
}

// AddNumbers returns a+b (sub: a-b) exactly, checked against DynamoDB's limits.
func AddNumbers(a, b string, sub bool) (string, error) {
	da, err := parseDecimal(a)
	if err != nil {
		return "", err
	}
	db, err := parseDecimal(b)
	if err != nil {
		return "", err
	}
	if sub {
		db.neg = !db.neg
	}
	ia, ea := da.bigInt()
	ib, eb := db.bigInt()
	// Align both to the smaller exponent: value = coefficient × 10^e.
	for ea > eb {
		ia.Mul(ia, big.NewInt(10))
		ea--
	}
	for eb > ea {
		ib.Mul(ib, big.NewInt(10))
		eb--
	}
	sum := new(big.Int).Add(ia, ib)
	str := sum.String()
	neg := strings.HasPrefix(str, "-")
	str = strings.TrimPrefix(str, "-")
	res := str
	if ea != 0 {
		res = str + "e" + itoa(ea)
	}
	if neg {
		res = "-" + res
	}
	return ParseNumber(res)
}

// bigInt returns the coefficient and exponent with value = coefficient × 10^exp.
func (d decimal) bigInt() (*big.Int, int) {
	if d.digits == "" {
		return new(big.Int), 0
	}
	i, _ := new(big.Int).SetString(d.digits, 10)
	if d.neg {
		i.Neg(i)
	}
	return i, d.exp - len(d.digits)
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }

// numberSize is DynamoDB's stored size of a number: one byte per two significant digits,
// plus one.
func numberSize(s string) int {
	d, _ := parseDecimal(s)
	return (len(d.digits)+1)/2 + 1
}
