#pragma once
// Class names and prompt templates of zero-shot classification (thesis Section 1.7.2.2): one
// entry per line of a file, or CLIP's lists for ImageNet-1K built into the plugin.
#include <string>
#include <string_view>
#include <vector>

namespace mmkd::classification_eval {

// The lines of `text` without their line ends; blank lines are skipped.
std::vector<std::string> lines_of(std::string_view text);

// The lines of the file at `path`, as lines_of; throws mmkd::Error naming it when it cannot be read.
std::vector<std::string> read_lines(const std::string& path);

std::vector<std::string> imagenet_class_names();     // CLIP's 1000 ImageNet-1K class names, in class-index order
std::vector<std::string> clip_imagenet_templates();  // CLIP's 80 ImageNet prompt templates, `{}` for the class name

}  // namespace mmkd::classification_eval
