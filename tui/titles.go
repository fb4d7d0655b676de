package tui

import "github.com/kmslab/kmslab/steps"

// shortTitles are the step list's names (issue 4): the long titles do not fit a narrow
// list, and the lesson pane's title keeps the long one.
var shortTitles = map[string]string{
	steps.CreateKey:    "Create key",
	steps.EncryptTable: "Encrypt table",
	steps.AddItems:     "Add items",
	steps.DenyUser:     "Deny test user",
	steps.GrantAccess:  "Grant access",
}

// shortTitle is the list name of s; a step without one (a test's) keeps its title.
func shortTitle(s steps.Step) string {
	if t, ok := shortTitles[s.ID]; ok {
		return t
	}
	return s.Title
}
