{{- define "dump" }}
{{- if kindIs "map" . }}{ {{- range $k, $v := . }}{{ $k }}: {{ include "dump" $v }}, {{ end }}}
{{- else if kindIs "slice" . }}[{{ range . }}{{ include "dump" . }}, {{ end }}]
{{- else }}{{ printf "%T(%v)" . . }}
{{- end }}
{{- end }}
