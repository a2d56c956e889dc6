#include "report/html_page.hpp"

#include "report/xml_escape.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <ctime>

namespace mmkd {

namespace {

constexpr const char* kReportStyle = R"(
body { margin: 0; background: #f6f8fa; color: #1f2328; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
header { background: #ffffff; border-bottom: 1px solid #d0d7de; padding: 16px 24px; }
header h1 { font-size: 20px; margin: 0 0 6px; word-break: break-all; }
header nav a { margin-right: 14px; }
main { padding: 4px 24px 24px; }
h2 { font-size: 16px; margin: 22px 0 10px; }
h3 { font-size: 14px; margin: 14px 0 8px; }
a { color: #0969da; text-decoration: none; }
a:hover { text-decoration: underline; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
svg.chart { border: 1px solid #d0d7de; border-radius: 6px; }
svg.chart g.series:hover path { stroke-width: 2.6; }
table { border-collapse: collapse; background: #ffffff; margin-bottom: 8px; }
th, td { border: 1px solid #d0d7de; padding: 4px 10px; text-align: right; }
th { background: #f6f8fa; font-weight: 600; text-align: center; }
td:first-child, th:first-child { text-align: left; }
td.best { font-weight: 700; background: #dafbe1; }
pre { background: #ffffff; border: 1px solid #d0d7de; border-radius: 6px; padding: 12px; overflow: auto; font-size: 12px; }
.state { font-weight: 700; }
.state-finished { color: #1a7f37; }
.state-running { color: #0969da; }
.state-interrupted { color: #9a6700; }
.state-failed { color: #cf222e; }
.muted { color: #57606a; }
footer { color: #57606a; font-size: 12px; padding: 0 24px 24px; }
)";

}  // namespace

std::string local_time_text(std::time_t time) {
  std::tm local{};
  localtime_r(&time, &local);
  return fmt::format("{:%Y-%m-%d %H:%M:%S}", local);
}

std::string html_document(const HtmlPage& page) {
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{0}</title>\n"
      "<style>{1}</style>\n</head>\n<body>\n<header>\n<h1>{0}</h1>\n{2}\n<nav>",
      xml_escape(page.title), kReportStyle, page.summary);
  for (const auto& section : page.sections)
    html += fmt::format("<a href=\"#{}\">{}</a>", xml_escape(section.id), xml_escape(section.heading));
  html += "</nav>\n</header>\n<main>\n";
  for (const auto& section : page.sections)
    html += fmt::format("<section id=\"{}\">\n<h2>{}</h2>\n{}\n</section>\n", xml_escape(section.id),
                        xml_escape(section.heading), section.body);
  return html + fmt::format("</main>\n<footer>written by mmkd {} report, {}</footer>\n</body>\n</html>\n", MMKD_VERSION,
                            local_time_text(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
}

std::string chart_grid(const std::vector<std::string>& charts) {
  std::string grid = "<div class=\"charts\">\n";
  for (const auto& chart : charts) grid += chart + "\n";
  return grid + "</div>";
}

}  // namespace mmkd
