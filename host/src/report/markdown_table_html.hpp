#pragma once
// The markdown results tables of mmkd (eval/results.md, a sweep's results.md) as HTML tables.
#include <string>

namespace mmkd {

// The lines "| a | b |" of `markdown` as an HTML <table>. Headings: the first line and, after
// the "| --- |" rule, the lines whose first cell is empty (the thesis' layout of several heading
// rows); in all but the last heading row a cell spans the empty cells after it. "" when the text
// holds no table.
std::string markdown_table_html(const std::string& markdown);

}  // namespace mmkd
