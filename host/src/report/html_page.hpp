#pragma once
// A report as one self-contained HTML document: inline styles, no script, nothing fetched.
#include <ctime>
#include <string>
#include <vector>

namespace mmkd {

struct HtmlSection {
  std::string id;       // the anchor the page's contents link to
  std::string heading;  // text
  std::string body;     // HTML
};

struct HtmlPage {
  std::string title;    // text: the <title> and the page's heading
  std::string summary;  // HTML under the heading
  std::vector<HtmlSection> sections;
};

// The document: heading, summary, links to the sections, the sections, and when and by what it was written.
std::string html_document(const HtmlPage& page);

// "2024-06-01 10:15:00" in local time.
std::string local_time_text(std::time_t time);

// Charts (SVG elements) side by side, as many per line as fit.
std::string chart_grid(const std::vector<std::string>& charts);

}  // namespace mmkd
