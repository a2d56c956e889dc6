#include "config/experiment_file.hpp"

#include <cstdio>

namespace mmkd {
namespace {

bool is_null_word(const std::string& s) { return s == "~" || s == "null" || s == "Null" || s == "NULL"; }

bool needs_quotes(const std::string& s) {
  if (s.empty() || is_null_word(s)) return true;
  if (s.front() == ' ' || s.back() == ' ' || s.back() == ':') return true;
  if (s.rfind("---", 0) == 0 || s.rfind("...", 0) == 0) return true;
  if (std::string(",[]{}#&*!|>'\"%@`").find(s.front()) != std::string::npos) return true;
  if (std::string("-?:").find(s.front()) != std::string::npos && (s.size() == 1 || s[1] == ' ')) return true;
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos) return true;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

std::string double_quoted(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
          out += escaped;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string scalar_text(const std::string& value, bool quoted) {
  return quoted || needs_quotes(value) ? double_quoted(value) : value;
}

// Nulls, scalars and empty collections fit after `key:` or `- ` on the same line.
bool is_inline(const ConfigNode& node) {
  return node.is_null() || node.is_scalar() || (node.is_map() && node.entries().empty()) ||
         (node.is_list() && node.items().empty());
}

std::string inline_text(const ConfigNode& node) {
  if (node.is_scalar()) return scalar_text(node.value(), node.quoted());
  if (node.is_map()) return "{}";
  if (node.is_list()) return "[]";
  return "null";
}

void emit_block(const ConfigNode& node, size_t indent, std::string& out) {
  std::string pad(indent, ' ');
  for (const auto& [key, value] : node.entries()) {
    out += pad + scalar_text(key, false) + ":";
    if (is_inline(value)) {
      out += " " + inline_text(value) + "\n";
    } else {
      out += "\n";
      emit_block(value, indent + 2, out);
    }
  }
  for (const ConfigNode& item : node.items()) {
    if (is_inline(item)) {
      out += pad + "- " + inline_text(item) + "\n";
      continue;
    }
    std::string nested;
    emit_block(item, indent + 2, nested);
    out += pad + "- " + nested.substr(indent + 2);
  }
}

}  // namespace

std::string to_yaml(const ConfigNode& node) {
  if (is_inline(node)) return inline_text(node) + "\n";
  std::string out;
  emit_block(node, 0, out);
  return out;
}

}  // namespace mmkd
