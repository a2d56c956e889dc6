#include "shape_scene.hpp"

#include <algorithm>
#include <sstream>

namespace mmkd::synthetic_shapes {

const std::vector<std::string> shape_names = {"circle", "square", "triangle", "cross", "diamond", "bar"};

const std::vector<Colour> colours = {
    {"red", {0.90, 0.12, 0.10}},  {"orange", {0.95, 0.55, 0.08}}, {"yellow", {0.95, 0.90, 0.15}},
    {"green", {0.15, 0.80, 0.20}}, {"cyan", {0.10, 0.80, 0.85}},   {"blue", {0.15, 0.30, 0.95}},
    {"magenta", {0.90, 0.15, 0.85}}, {"white", {0.92, 0.92, 0.92}},
};

const std::vector<std::string> size_names = {"small", "large"};

const std::vector<std::string> position_names = {"top left",    "top",    "top right",
                                                 "left",        "center", "right",
                                                 "bottom left", "bottom", "bottom right"};

const std::vector<std::string> caption_templates = {
    "a {size} {colour} {shape} in the {position}",
    "a {size} {colour} {shape} at the {position}",
    "there is a {size} {colour} {shape} in the {position}",
    "the {position} has a {size} {colour} {shape}",
};

namespace {
constexpr double small_radius = 0.085, large_radius = 0.155;  // in image widths
constexpr double radius_jitter = 0.1;                          // relative
constexpr double center_jitter = 0.04;                         // in image widths

void replace(std::string& text, const std::string& field, const std::string& value) {
  text.replace(text.find(field), field.size(), value);
}
}  // namespace

ShapeScene draw_scene(SampleRandom& random) {
  ShapeScene scene;
  scene.shape = static_cast<int>(random.integer(0, static_cast<int>(shape_names.size())));
  scene.colour = static_cast<int>(random.integer(0, static_cast<int>(colours.size())));
  scene.size = static_cast<int>(random.integer(0, static_cast<int>(size_names.size())));
  scene.position = static_cast<int>(random.integer(0, static_cast<int>(position_names.size())));
  scene.caption_template = static_cast<int>(random.integer(0, static_cast<int>(caption_templates.size())));
  scene.center_x = (scene.position % 3 + 0.5) / 3.0 + random.uniform(-center_jitter, center_jitter);
  scene.center_y = (scene.position / 3 + 0.5) / 3.0 + random.uniform(-center_jitter, center_jitter);
  scene.radius = (scene.size == 0 ? small_radius : large_radius) * random.uniform(1 - radius_jitter, 1 + radius_jitter);
  return scene;
}

std::string caption(const ShapeScene& scene) {
  std::string text = caption_templates[scene.caption_template];
  replace(text, "{size}", size_names[scene.size]);
  replace(text, "{colour}", colours[scene.colour].name);
  replace(text, "{shape}", shape_names[scene.shape]);
  replace(text, "{position}", position_names[scene.position]);
  return text;
}

std::vector<std::string> caption_words() {
  std::vector<std::string> phrases = caption_templates;
  phrases.insert(phrases.end(), shape_names.begin(), shape_names.end());
  for (const Colour& colour : colours) phrases.push_back(colour.name);
  phrases.insert(phrases.end(), size_names.begin(), size_names.end());
  phrases.insert(phrases.end(), position_names.begin(), position_names.end());

  std::vector<std::string> words;
  for (const std::string& phrase : phrases) {
    std::istringstream stream(phrase);
    for (std::string word; stream >> word;)
      if (word.front() != '{' && std::find(words.begin(), words.end(), word) == words.end()) words.push_back(word);
  }
  return words;
}

}  // namespace mmkd::synthetic_shapes
