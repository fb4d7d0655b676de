package dynamodb

// sseSpec is SSESpecification.
type sseSpec struct {
	Enabled        *bool   `json:"Enabled"`
	SSEType        *string `json:"SSEType"`
	KMSMasterKeyId *string `json:"KMSMasterKeyId"`
}

// checkSSEEnum adds the SSEType enum constraint.
func checkSSEEnum(c *constraint, spec *sseSpec) {
	if spec != nil && spec.SSEType != nil && *spec.SSEType != "AES256" && *spec.SSEType != "KMS" {
		c.add(*spec.SSEType, "sSESpecification.sSEType", "Member must satisfy enum value set: [AES256, KMS]")
	}
}

// parseSSE applies DynamoDB's SSESpecification rules. An absent or empty specification (or
// Enabled false) means the AWS owned key; Enabled true or SSEType KMS without a key means
// the AWS managed key aws/dynamodb; a KMSMasterKeyId means that customer managed key.
func parseSSE(spec *sseSpec) (mode, keyRef string, err error) {
	if spec == nil {
		return sseOwned, "", nil
	}
	key := ""
	if spec.KMSMasterKeyId != nil {
		key = *spec.KMSMasterKeyId
	}
	if spec.Enabled != nil && !*spec.Enabled {
		if spec.SSEType != nil {
			return "", "", invalidParams("SSEType can not be specified if Enabled is false")
		}
		if spec.KMSMasterKeyId != nil {
			return "", "", invalidParams("KMSMasterKeyId can not be specified if Enabled is false")
		}
		return sseOwned, "", nil
	}
	if spec.KMSMasterKeyId != nil && (spec.SSEType == nil || *spec.SSEType != "KMS") {
		return "", "", invalidParams("SSEType KMS is required if KMSMasterKeyId is specified")
	}
	if spec.SSEType != nil && *spec.SSEType == "AES256" {
		return "", "", invalidParams("SSEType AES256 is not supported")
	}
	if spec.Enabled == nil && spec.SSEType == nil {
		return sseOwned, "", nil
	}
	if key != "" {
		return sseCMK, key, nil
	}
	return sseManaged, "", nil
}
