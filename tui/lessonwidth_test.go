package tui

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"

	"github.com/kmslab/kmslab/content"
)

// TestLessonsFitTheirWidth renders every real lesson, with a student's real-length names and
// ARNs, at 60, 80 and 120 columns in both themes: no line may pass the edge.
func TestLessonsFitTheirWidth(t *testing.T) {
	v := content.Vars{Prefix: "nextwork", Alias: "alias/nextwork-kms-key", Table: "nextwork-kms-table",
		User: "nextwork-kms-user", Account: "123456789012", Region: "ap-southeast-2",
		KeyARN:  "arn:aws:kms:ap-southeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		UserARN: "arn:aws:iam::123456789012:user/nextwork-kms-user", Target: "AWS"}
	src := ContentLessons(v)
	for _, id := range content.LessonIDs() {
		for _, width := range []int{60, 80, 120} {
			for _, style := range []string{"dark", "light", "notty"} {
				msg := renderLesson(src, lessonKey{id: id, width: width, style: style})().(lessonMsg)
				if msg.err != nil {
					t.Fatalf("%s at %d (%s): %v", id, width, style, msg.err)
				}
				for i, line := range strings.Split(msg.text, "\n") {
					if w := lipgloss.Width(line); w > width {
						t.Errorf("%s at %d (%s), line %d is %d wide: %q", id, width, style, i+1, w, line)
					}
				}
			}
		}
	}
}
