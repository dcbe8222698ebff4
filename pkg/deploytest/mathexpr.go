package deploytest

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// EvaluateMath computes a Grafana math expression over numbers, with variables such as $A or
// ${A} read from vars. It supports the arithmetic operators + - * / %, the relational
// operators < > == != >= <= and the logical operators && || !, with Grafana's rule that
// relational and logical operators return 1 for true and 0 for false. Division and % follow
// IEEE 754, so x / 0 gives ±Inf or NaN.
//
// NOTE: functions (abs, is_nan, ...), the ** operator and series operands are not supported.
func EvaluateMath(expression string, vars map[string]float64) (float64, error) {
	tokens, err := tokenizeMath(expression)
	if err != nil {
		return 0, fmt.Errorf("math %q: %w", expression, err)
	}
	p := &mathParser{tokens: tokens, vars: vars}
	value, err := p.parseOr()
	if err == nil && p.pos < len(p.tokens) {
		err = fmt.Errorf("unexpected %q at token %d", p.tokens[p.pos], p.pos+1)
	}
	if err != nil {
		return 0, fmt.Errorf("math %q: %w", expression, err)
	}
	return value, nil
}

// mathOperators lists the operators, two-character ones first so ">=" is not read as ">".
var mathOperators = []string{"&&", "||", "==", "!=", ">=", "<=", "+", "-", "*", "/", "%", "<", ">", "!", "(", ")"}

func tokenizeMath(expression string) ([]string, error) {
	var tokens []string
	for rest := expression; rest != ""; {
		r := rune(rest[0])
		switch {
		case unicode.IsSpace(r):
			rest = rest[1:]
		case r == '$':
			name, length, err := variableToken(rest)
			if err != nil {
				return nil, err
			}
			tokens = append(tokens, "$"+name)
			rest = rest[length:]
		case unicode.IsDigit(r) || r == '.':
			end := strings.IndexFunc(rest, func(c rune) bool { return !unicode.IsDigit(c) && c != '.' })
			if end < 0 {
				end = len(rest)
			}
			tokens = append(tokens, rest[:end])
			rest = rest[end:]
		default:
			operator := ""
			for _, candidate := range mathOperators {
				if strings.HasPrefix(rest, candidate) {
					operator = candidate
					break
				}
			}
			if operator == "" {
				return nil, fmt.Errorf("unexpected character %q", r)
			}
			tokens = append(tokens, operator)
			rest = rest[len(operator):]
		}
	}
	return tokens, nil
}

// variableToken reads $NAME or ${NAME} at the start of text and returns the name and the
// length of the token.
func variableToken(text string) (string, int, error) {
	if strings.HasPrefix(text, "${") {
		end := strings.IndexByte(text, '}')
		if end < 0 {
			return "", 0, fmt.Errorf("unclosed ${ in %q", text)
		}
		return text[2:end], end + 1, nil
	}
	end := 1
	for end < len(text) && (unicode.IsLetter(rune(text[end])) || unicode.IsDigit(rune(text[end])) || text[end] == '_') {
		end++
	}
	if end == 1 {
		return "", 0, fmt.Errorf("$ without a variable name in %q", text)
	}
	return text[1:end], end, nil
}

// mathParser is a recursive-descent parser that evaluates as it parses. Precedence from low
// to high: ||, &&, relational, + -, * / %, unary - and !.
type mathParser struct {
	tokens []string
	pos    int
	vars   map[string]float64
}

func (p *mathParser) peek() string {
	if p.pos < len(p.tokens) {
		return p.tokens[p.pos]
	}
	return ""
}

// parseBinary parses operands joined by any of operators, left to right.
func (p *mathParser) parseBinary(operators []string, operand func() (float64, error)) (float64, error) {
	left, err := operand()
	if err != nil {
		return 0, err
	}
	for {
		operator := p.peek()
		if !slices.Contains(operators, operator) {
			return left, nil
		}
		p.pos++
		right, err := operand()
		if err != nil {
			return 0, err
		}
		left = applyOperator(operator, left, right)
	}
}

func (p *mathParser) parseOr() (float64, error) {
	return p.parseBinary([]string{"||"}, p.parseAnd)
}

func (p *mathParser) parseAnd() (float64, error) {
	return p.parseBinary([]string{"&&"}, p.parseRelational)
}

func (p *mathParser) parseRelational() (float64, error) {
	return p.parseBinary([]string{"==", "!=", ">=", "<=", "<", ">"}, p.parseAdditive)
}

func (p *mathParser) parseAdditive() (float64, error) {
	return p.parseBinary([]string{"+", "-"}, p.parseMultiplicative)
}

func (p *mathParser) parseMultiplicative() (float64, error) {
	return p.parseBinary([]string{"*", "/", "%"}, p.parseUnary)
}

func (p *mathParser) parseUnary() (float64, error) {
	switch p.peek() {
	case "-":
		p.pos++
		value, err := p.parseUnary()
		return -value, err
	case "!":
		p.pos++
		value, err := p.parseUnary()
		return boolNumber(value == 0), err
	}
	return p.parsePrimary()
}

func (p *mathParser) parsePrimary() (float64, error) {
	token := p.peek()
	if token == "" {
		return 0, fmt.Errorf("expression ends where an operand is expected")
	}
	p.pos++

	switch {
	case token == "(":
		value, err := p.parseOr()
		if err != nil {
			return 0, err
		}
		if p.peek() != ")" {
			return 0, fmt.Errorf("missing ) at token %d", p.pos+1)
		}
		p.pos++
		return value, nil
	case strings.HasPrefix(token, "$"):
		value, ok := p.vars[token[1:]]
		if !ok {
			return 0, fmt.Errorf("variable %s has no value: the expression that sets it must come first", token)
		}
		return value, nil
	}
	value, err := strconv.ParseFloat(token, 64)
	if err != nil {
		return 0, fmt.Errorf("unexpected %q at token %d", token, p.pos)
	}
	return value, nil
}

func applyOperator(operator string, left, right float64) float64 {
	switch operator {
	case "+":
		return left + right
	case "-":
		return left - right
	case "*":
		return left * right
	case "/":
		return left / right
	case "%":
		return math.Mod(left, right)
	case "==":
		return boolNumber(left == right)
	case "!=":
		return boolNumber(left != right)
	case ">=":
		return boolNumber(left >= right)
	case "<=":
		return boolNumber(left <= right)
	case "<":
		return boolNumber(left < right)
	case ">":
		return boolNumber(left > right)
	case "&&":
		return boolNumber(left != 0 && right != 0)
	}
	return boolNumber(left != 0 || right != 0)
}

func boolNumber(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
