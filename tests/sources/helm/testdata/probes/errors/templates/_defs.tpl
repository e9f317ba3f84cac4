{{- define "eq-inner" }}{{ eq 1 "a" }}{{ end }}
{{- define "eq-outer" }}{{ include "eq-inner" . }}{{ end }}
{{- define "index-inner" }}{{ index .Values.l 5 }}{{ end }}
{{- define "nil-inner" }}{{ .Values.nope.a }}{{ end }}
{{- define "fail-inner" }}{{ fail "deep" }}{{ end }}
{{- define "args-inner" }}{{ toYaml 1 2 }}{{ end }}
