#include "config/experiment_file.hpp"

#include <cstdlib>
#include <map>
#include <optional>
#include <set>

namespace mmkd {
namespace {

std::string join_path(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

std::string trim(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}

bool has_reference(const ConfigNode& node) { return node.is_scalar() && node.value().find("${") != std::string::npos; }

// Resolves every node at most once (memoized by key path); a failed node is reported once, at
// its root cause, and whatever depends on it fails silently.
class Interpolator {
 public:
  explicit Interpolator(const ConfigNode& root) : root_(root) {}

  ConfigNode run() {
    const ConfigNode* resolved = resolve("", root_, false);
    if (resolved == nullptr || !errors_.empty()) throw ConfigError(errors_);
    return *resolved;
  }

 private:
  struct Lookup {
    const ConfigNode* node = nullptr;  // nullptr: missing or failed
    bool resolved = false;             // node is already interpolated
    bool failed = false;               // a prefix failed and was reported
    std::string missing_hint;          // " (did you mean `a.b`?)" for a missing key
  };

  struct Frame {
    std::string path;
    const ConfigNode* node;
  };

  const ConfigNode* resolve(const std::string& path, const ConfigNode& raw, bool raw_is_resolved) {
    if (auto it = done_.find(path); it != done_.end()) return &it->second;
    if (failed_.count(path)) return nullptr;
    for (size_t i = 0; i < chain_.size(); ++i)
      if (chain_[i].path == path) return report_cycle(i, path);
    if (raw_is_resolved) return &done_.emplace(path, raw).first->second;

    chain_.push_back({path, &raw});
    std::optional<ConfigNode> result = resolve_children(path, raw);
    chain_.pop_back();
    if (!result) {
      failed_.insert(path);
      return nullptr;
    }
    return &done_.emplace(path, std::move(*result)).first->second;
  }

  std::optional<ConfigNode> resolve_children(const std::string& path, const ConfigNode& raw) {
    if (raw.is_scalar()) return resolve_scalar(path, raw);
    ConfigNode result = raw;
    bool ok = true;
    for (size_t i = 0; i < raw.items().size(); ++i) {
      const ConfigNode* item = resolve(join_path(path, std::to_string(i)), raw.items()[i], false);
      if (item != nullptr) result.items()[i] = *item;
      ok = ok && item != nullptr;
    }
    for (size_t i = 0; i < raw.entries().size(); ++i) {
      const auto& [key, value] = raw.entries()[i];
      const ConfigNode* entry = resolve(join_path(path, key), value, false);
      if (entry != nullptr) result.entries()[i].second = *entry;
      ok = ok && entry != nullptr;
    }
    if (!ok) return std::nullopt;
    return result;
  }

  std::optional<ConfigNode> resolve_scalar(const std::string& path, const ConfigNode& raw) {
    const std::string& text = raw.value();
    if (!has_reference(raw)) return raw;
    std::string joined;
    bool ok = true;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t open = text.find("${", pos);
      if (open == std::string::npos) {
        joined += text.substr(pos);
        break;
      }
      size_t close = text.find('}', open);
      if (close == std::string::npos) {
        report(path, raw, "unterminated `${` in '" + text + "'");
        return std::nullopt;
      }
      joined += text.substr(pos, open - pos);
      std::string reference = text.substr(open + 2, close - open - 2);
      std::optional<ConfigNode> value = resolve_reference(path, raw, reference);
      if (value && open == 0 && close + 1 == text.size()) {
        value->set_where(raw.where());
        return value;
      }
      if (value && !value->is_scalar()) {
        report(path, raw, "`${" + reference + "}` is " + value->describe() + "; only a scalar can be part of a string");
        value.reset();
      }
      if (value) joined += value->value();
      ok = ok && value.has_value();
      pos = close + 1;
    }
    if (!ok) return std::nullopt;
    ConfigNode result = ConfigNode::scalar(joined, raw.where());
    result.set_quoted(raw.quoted());
    return result;
  }

  std::optional<ConfigNode> resolve_reference(const std::string& path, const ConfigNode& raw,
                                              const std::string& reference) {
    std::string target = trim(reference);
    for (const std::string resolver : {"env:", "oc.env:"})  // oc.env: OmegaConf's (Hydra's) spelling
      if (target.rfind(resolver, 0) == 0) return resolve_environment(path, raw, target.substr(resolver.size()));
    Lookup lookup = find(target);
    if (lookup.failed) return std::nullopt;
    if (lookup.node == nullptr) {
      report(path, raw, "unknown key `" + target + "` in `${" + reference + "}`" + lookup.missing_hint);
      return std::nullopt;
    }
    const ConfigNode* value = resolve(target, *lookup.node, lookup.resolved);
    if (value == nullptr) return std::nullopt;
    return *value;
  }

  std::optional<ConfigNode> resolve_environment(const std::string& path, const ConfigNode& raw,
                                                const std::string& spec) {
    size_t comma = spec.find(',');
    std::string name = trim(spec.substr(0, comma));
    if (const char* value = std::getenv(name.c_str())) return ConfigNode::scalar(value, raw.where());
    if (comma != std::string::npos) return ConfigNode::scalar(trim(spec.substr(comma + 1)), raw.where());
    report(path, raw,
           "environment variable `" + name + "` is not set (write `${env:" + name + ",default}` for a default)");
    return std::nullopt;
  }

  // Walks `target` from the root, interpolating scalars on the way (`${a}.b` where `a` is a map).
  Lookup find(const std::string& target) {
    Lookup lookup;
    const ConfigNode* node = &root_;
    std::string prefix;
    for (const std::string& segment : split_key_path(target)) {
      if (!lookup.resolved && has_reference(*node)) {
        node = resolve(prefix, *node, false);
        if (node == nullptr) return Lookup{nullptr, false, true, ""};
        lookup.resolved = true;
      }
      const ConfigNode* next = node->child(segment);
      if (next == nullptr) {
        std::string suggestion = node->is_map() ? closest_match(segment, node->keys()) : "";
        if (!suggestion.empty()) lookup.missing_hint = " (did you mean `" + join_path(prefix, suggestion) + "`?)";
        return lookup;
      }
      prefix = join_path(prefix, segment);
      node = next;
    }
    lookup.node = target.empty() ? nullptr : node;
    return lookup;
  }

  const ConfigNode* report_cycle(size_t first, const std::string& path) {
    std::string cycle;
    for (size_t i = first; i < chain_.size(); ++i) cycle += chain_[i].path + " -> ";
    report(chain_.back().path, *chain_.back().node, "interpolation cycle: " + cycle + path);
    return nullptr;
  }

  void report(const std::string& path, const ConfigNode& raw, const std::string& message) {
    errors_.push_back({raw.where(), path, message});
  }

  const ConfigNode& root_;
  std::map<std::string, ConfigNode> done_;
  std::set<std::string> failed_;
  std::vector<Frame> chain_;
  std::vector<Diagnostic> errors_;
};

}  // namespace

void interpolate(ConfigNode& root) { root = Interpolator(root).run(); }

}  // namespace mmkd
