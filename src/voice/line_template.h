// The agent's lines are templates filled in per call: {first_name}, {last_name}, {business} (the
// tenant's, or the script's business_name) and {custom.KEY} (a lead's custom field). A field the
// lead does not have is left out and the line tidied ("Hello {first_name}!" -> "Hello!"), so a
// missing name never reaches the callee as a gap or a brace.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace talky {

// Field name ("first_name", "custom.plan") -> its text for this call.
using LineFields = std::map<std::string, std::string, std::less<>>;

// The problems of a template, each a short sentence: a placeholder that is not one of ours, an
// unclosed brace. Empty when the template is fine.
std::vector<std::string> LineTemplateProblems(std::string_view line);

std::string RenderLine(std::string_view line, const LineFields& fields);

}  // namespace talky
