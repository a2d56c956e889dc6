#pragma once
// Text made safe for HTML and SVG: element content and quoted attribute values.
#include <string>

namespace mmkd {

// &, <, >, " and ' as character references.
std::string xml_escape(const std::string& text);

}  // namespace mmkd
