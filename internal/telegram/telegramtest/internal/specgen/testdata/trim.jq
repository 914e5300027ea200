# Keeps what specgen reads, one method or type per line.
def fields: [.fields[]? | {name, types, required}
  + (if .name == "type" then (.description | capture("(?<d>must be [a-z_]+)") // {} | if .d then {description: .d} else {} end) else {} end)];
def lines(f): to_entries | sort_by(.key) | map("  \(.key|tojson): \(.value | f | tojson)") | join(",\n");
"{",
"\"version\": \(.version|tojson),",
"\"release_date\": \(.release_date|tojson),",
"\"methods\": {",
(.methods | lines({name, fields: fields})),
"},",
"\"types\": {",
(.types | lines({name, fields: fields} + (if .subtypes then {subtypes} else {} end))),
"}",
"}"
