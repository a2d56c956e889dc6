#pragma once
// Opening an HTML file in headless Chromium (Debian's `chromium`): what the browser laid out
// (each <svg data-chart> with its place on the page and the length of each drawn path) and a
// screenshot of the whole page.
#include "mmkd_testing.hpp"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <mmkd_image/image_decode.hpp>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

namespace mmkd::testing {

// MMKD_CHROMIUM, else chromium or chromium-browser on the PATH; none where neither is installed.
inline std::optional<std::string> chromium_executable() {
  if (const char* chosen = std::getenv("MMKD_CHROMIUM"); chosen && *chosen) return std::string(chosen);
  for (const char* name : {"chromium", "chromium-browser"}) {
    const CommandResult found = run_command(std::string("command -v ") + name);
    if (found.exit_code == 0) return found.output.substr(0, found.output.find('\n'));
  }
  return std::nullopt;
}

struct RenderedPage {
  // {"height": page height, "charts": [{"chart", "kind", "x", "y", "width", "height",
  //  "paths": [{"series", "role", "points", "length"}], "bars": [width, ...]}]}
  nlohmann::json layout;
  torch::Tensor screenshot;  // uint8 [H, W, 3], the whole page at `width` pixels
};

// Measures each chart where the browser put it (a copy of the page with a script added) and
// screenshots the page as it is, `width` pixels wide and as tall as its content.
inline RenderedPage render_in_chromium(const std::string& chromium, const std::string& html_path, int width = 1400) {
  namespace fs = std::filesystem;
  const std::string folder = fs::path(html_path).parent_path().string();
  const std::string flags = " --headless --no-sandbox --disable-gpu --disable-background-networking --hide-scrollbars"
                            " --force-device-scale-factor=1 --window-size=" + std::to_string(width);
  std::string measured = read_file(html_path);
  measured.insert(measured.rfind("</body>"), R"(<pre id="mmkd-layout"></pre><script>
const charts = [...document.querySelectorAll("svg[data-chart]")].map(svg => {
  const box = svg.getBoundingClientRect();
  return {chart: svg.dataset.chart, kind: svg.dataset.kind, x: box.x + scrollX, y: box.y + scrollY,
          width: box.width, height: box.height,
          paths: [...svg.querySelectorAll("path[data-series]")].map(path => ({series: path.dataset.series,
                  role: path.dataset.role, points: Number(path.dataset.points), length: path.getTotalLength()})),
          bars: [...svg.querySelectorAll("rect.bar")].map(bar => bar.getBoundingClientRect().width)};
});
document.getElementById("mmkd-layout").textContent =
    JSON.stringify({height: document.documentElement.scrollHeight, charts});
</script>)");
  const std::string measured_path = folder + "/measured-in-browser.html";
  write_file(measured_path, measured);
  const CommandResult dom = run_command("'" + chromium + "'" + flags + ",900 --dump-dom 'file://" + measured_path + "' 2>/dev/null");
  const size_t start = dom.output.find("<pre id=\"mmkd-layout\">");
  if (dom.exit_code != 0 || start == std::string::npos)
    throw std::runtime_error("chromium --dump-dom " + measured_path + " failed:\n" + dom.output.substr(0, 2000));
  const size_t text = start + std::string("<pre id=\"mmkd-layout\">").size();
  std::string json = dom.output.substr(text, dom.output.find("</pre>", text) - text);
  for (const auto& [escaped, plain] : {std::pair{"&quot;", "\""}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}})
    for (size_t at; (at = json.find(escaped)) != std::string::npos;) json.replace(at, std::string(escaped).size(), plain);
  RenderedPage page;
  page.layout = nlohmann::json::parse(json);

  const std::string png = folder + "/screenshot.png";
  const int height = page.layout["height"].get<int>();
  const CommandResult shot = run_command("'" + chromium + "'" + flags + "," + std::to_string(height) +
                                         " --screenshot='" + png + "' 'file://" + html_path + "' 2>&1");
  if (shot.exit_code != 0 || !fs::exists(png)) throw std::runtime_error("chromium --screenshot failed:\n" + shot.output);
  page.screenshot = mmkd::image::decode_image(mmkd::image::read_file_bytes(png));
  return page;
}

// Pixels of a colour (not white, grey or black: the palette's series and bars) inside a chart's box.
inline int64_t coloured_pixels(const torch::Tensor& screenshot, const nlohmann::json& chart) {
  const int64_t top = static_cast<int64_t>(chart["y"].get<double>()), left = static_cast<int64_t>(chart["x"].get<double>());
  const int64_t bottom = std::min<int64_t>(top + static_cast<int64_t>(chart["height"].get<double>()), screenshot.size(0));
  const int64_t right = std::min<int64_t>(left + static_cast<int64_t>(chart["width"].get<double>()), screenshot.size(1));
  if (bottom <= top || right <= left) return 0;
  const torch::Tensor box = screenshot.slice(0, top, bottom).slice(1, left, right).to(torch::kInt32);
  const torch::Tensor spread = std::get<0>(box.max(2)) - std::get<0>(box.min(2));
  return (spread > 60).sum().item<int64_t>();
}

}  // namespace mmkd::testing
