package datadir

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The files a classroom sandbox writes for the instructor to hand out, one row or section
// per student. They hold secret keys, so they are 0600 inside the 0700 directory.
const (
	ClassCSV = "class.csv"
	ClassEnv = "class.env"
)

// ClassAccount is one student's account in a classroom sandbox.
type ClassAccount struct {
	Student         int // 1…N
	AccountID       string
	AccessKeyID     string
	SecretAccessKey string
	Region          string
	Endpoint        string // the URL students point kmslab or the AWS CLI at
}

var classHeader = []string{"student", "account_id", "access_key_id", "secret_access_key", "region", "endpoint_url"}

// WriteClass writes class.csv and class.env in dir and returns their paths.
func WriteClass(dir string, accounts []ClassAccount) (csvPath, envPath string, err error) {
	var c bytes.Buffer
	w := csv.NewWriter(&c)
	_ = w.Write(classHeader)
	var env strings.Builder
	env.WriteString("# kmslab classroom sandbox: one section per student. Paste a section into that student's\n" +
		"# shell, then run the lab with: kmslab --endpoint \"$AWS_ENDPOINT_URL\" (the AWS CLI needs nothing more).\n")
	for _, a := range accounts {
		_ = w.Write([]string{fmt.Sprint(a.Student), a.AccountID, a.AccessKeyID, a.SecretAccessKey, a.Region, a.Endpoint})
		fmt.Fprintf(&env, "\n# student %d, account %s\nexport AWS_ACCESS_KEY_ID=%s\nexport AWS_SECRET_ACCESS_KEY=%s\nexport AWS_REGION=%s\nexport AWS_DEFAULT_REGION=%s\nexport AWS_ENDPOINT_URL=%s\n",
			a.Student, a.AccountID, a.AccessKeyID, a.SecretAccessKey, a.Region, a.Region, a.Endpoint)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return "", "", err
	}
	csvPath, envPath = filepath.Join(dir, ClassCSV), filepath.Join(dir, ClassEnv)
	if err := writeAtomic(csvPath, c.Bytes()); err != nil {
		return "", "", fmt.Errorf("write %s: %w", csvPath, err)
	}
	if err := writeAtomic(envPath, []byte(env.String())); err != nil {
		return "", "", fmt.Errorf("write %s: %w", envPath, err)
	}
	return csvPath, envPath, nil
}

// ErrNoClass means dir holds no class file: no classroom sandbox was started there.
var ErrNoClass = errors.New("no class file")

// ReadClass reads class.csv from dir.
func ReadClass(dir string) ([]ClassAccount, error) {
	path := filepath.Join(dir, ClassCSV)
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s: start `kmslab sandbox --class N` there first", ErrNoClass, dir)
	}
	if err != nil {
		return nil, err
	}
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil || len(rows) == 0 || strings.Join(rows[0], ",") != strings.Join(classHeader, ",") {
		return nil, fmt.Errorf("the class file %s is damaged", path)
	}
	var out []ClassAccount
	for _, r := range rows[1:] {
		var a ClassAccount
		if len(r) != len(classHeader) {
			return nil, fmt.Errorf("the class file %s is damaged", path)
		}
		n, err := strconv.Atoi(r[0])
		if err != nil || n < 1 || r[1] == "" || r[2] == "" || r[3] == "" {
			return nil, fmt.Errorf("the class file %s is damaged", path)
		}
		a.Student = n
		a.AccountID, a.AccessKeyID, a.SecretAccessKey, a.Region, a.Endpoint = r[1], r[2], r[3], r[4], r[5]
		out = append(out, a)
	}
	return out, nil
}
