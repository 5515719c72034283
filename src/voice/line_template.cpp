#include "voice/line_template.h"

#include <cctype>

namespace talky {
namespace {

bool IsKnownField(std::string_view name) {
  if (name == "first_name" || name == "last_name" || name == "business") return true;
  return name.starts_with("custom.") && name.size() > 7;
}

// Spaces collapsed, none before punctuation or at the ends, no punctuation doubled by a gap
// ("Hello , Ann" -> "Hello, Ann"; "Hello !" -> "Hello!").
std::string Tidy(std::string_view text) {
  std::string tidy;
  for (char c : text) {
    const bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
    if (space) {
      if (!tidy.empty() && tidy.back() != ' ') tidy += ' ';
      continue;
    }
    const bool punctuation = c == ',' || c == '.' || c == '!' || c == '?' || c == ';' || c == ':';
    if (punctuation && !tidy.empty() && tidy.back() == ' ') tidy.pop_back();
    if (c == ',' && !tidy.empty() && (tidy.back() == ',' || tidy.back() == '.')) continue;
    tidy += c;
  }
  while (!tidy.empty() && tidy.back() == ' ') tidy.pop_back();
  while (!tidy.empty() && (tidy.front() == ' ' || tidy.front() == ',')) tidy.erase(0, 1);
  return tidy;
}

}  // namespace

std::vector<std::string> LineTemplateProblems(std::string_view line) {
  std::vector<std::string> problems;
  for (std::size_t at = line.find('{'); at != std::string_view::npos; at = line.find('{', at)) {
    const std::size_t end = line.find('}', at);
    if (end == std::string_view::npos) {
      problems.push_back("has an unclosed '{'");
      break;
    }
    const std::string_view name = line.substr(at + 1, end - at - 1);
    if (!IsKnownField(name)) {
      problems.push_back("has an unknown placeholder {" + std::string(name) +
                         "} (use {first_name}, {last_name}, {business} or {custom.KEY})");
    }
    at = end + 1;
  }
  return problems;
}

std::string RenderLine(std::string_view line, const LineFields& fields) {
  std::string rendered;
  std::size_t from = 0;
  for (std::size_t at = line.find('{'); at != std::string_view::npos; at = line.find('{', from)) {
    const std::size_t end = line.find('}', at);
    if (end == std::string_view::npos) break;
    rendered += line.substr(from, at - from);
    if (auto field = fields.find(line.substr(at + 1, end - at - 1)); field != fields.end()) {
      rendered += field->second;
    }
    from = end + 1;
  }
  rendered += line.substr(from);
  return Tidy(rendered);
}

}  // namespace talky
