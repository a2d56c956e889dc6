#include <mmkd/registry.hpp>

#include <algorithm>

namespace mmkd {

void Registry::add(Kind kind, ComponentInfo info, Factory factory) {
  for (const auto& option : info.options)
    if (option.name == "type" || option.name == "inputs" || option.name == "share" ||
        ((kind == Kind::Loss || kind == Kind::Dataset) && option.name == "weight") ||
        (kind == Kind::Encoder && option.name == "frozen") || (kind == Kind::Evaluator && option.name == "data") ||
        (kind == Kind::Teacher && option.name == "cached"))
      throw Error(std::string("the ") + kind_name(kind) + " `" + info.type + "` in " + current_library_ +
                  " declares an option named `" + option.name + "`, a key the host reads itself: rename the option");
  if (const Entry* existing = find(kind, info.type))
    throw Error(std::string("two ") + kind_name(kind) + " components named `" + info.type + "`: one in " +
                existing->library + ", one in " + current_library_);
  entries_.push_back({current_handle_, kind, std::move(info), std::move(factory), current_library_});
}

const Registry::Entry* Registry::find(Kind kind, const std::string& type) const {
  for (const auto& e : entries_)
    if (e.kind == kind && e.info.type == type) return &e;
  return nullptr;
}

std::vector<const Registry::Entry*> Registry::entries(Kind kind) const {
  std::vector<const Entry*> out;
  for (const auto& e : entries_)
    if (e.kind == kind) out.push_back(&e);
  std::sort(out.begin(), out.end(), [](const Entry* a, const Entry* b) { return a->info.type < b->info.type; });
  return out;
}

std::vector<std::string> Registry::types(Kind kind) const {
  std::vector<std::string> out;
  for (const Entry* e : entries(kind)) out.push_back(e->info.type);
  return out;
}

void Registry::begin_library(std::string path, std::shared_ptr<void> handle) {
  current_library_ = std::move(path);
  current_handle_ = std::move(handle);
}

void Registry::end_library() {
  current_library_ = "libmmkd";
  current_handle_.reset();
}

}  // namespace mmkd
