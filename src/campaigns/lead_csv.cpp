#include "campaigns/lead_csv.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <set>

#include "domain/dialer_job.h"

namespace talky {
namespace {

struct CsvRecord {
  std::vector<std::string> fields;
  int line = 1;        // where the record starts
  bool blank = false;  // an empty line: nothing, not even a quoted empty field
};

Error BrokenFile(int line, std::string message) {
  std::string text = "line " + std::to_string(line) + ": " + message;
  return Error::InvalidArgument("invalid leads CSV: " + text, {{"body", text}});
}

// Splits RFC 4180 text into records, counting physical lines so that errors can point at them.
class CsvReader {
 public:
  explicit CsvReader(std::string_view text) : text_(text) {}

  // The next record, nullopt at the end, or an error for broken quoting.
  Expected<std::optional<CsvRecord>> Next() {
    if (pos_ >= text_.size()) return std::optional<CsvRecord>{};
    CsvRecord record;
    record.line = line_;
    bool quoted_any = false;
    std::string field;
    while (true) {
      if (pos_ < text_.size() && text_[pos_] == '"') {
        quoted_any = true;
        const int quote_line = line_;
        ++pos_;
        while (true) {
          if (pos_ >= text_.size()) {
            return std::unexpected(BrokenFile(quote_line, "a quoted field is not closed"));
          }
          const char c = text_[pos_++];
          if (c == '"') {
            if (pos_ < text_.size() && text_[pos_] == '"') {
              field += '"';
              ++pos_;
              continue;
            }
            break;
          }
          if (c == '\n') ++line_;
          field += c;
        }
        if (pos_ < text_.size() && text_[pos_] != ',' && LineEndLength() == 0) {
          return std::unexpected(
              BrokenFile(line_,
                         "unexpected character after a closing quote (a field is either quoted "
                         "as a whole or not at all)"));
        }
      } else {
        const size_t start = pos_;
        while (pos_ < text_.size() && text_[pos_] != ',' && LineEndLength() == 0) {
          if (text_[pos_] == '"') {
            return std::unexpected(
                BrokenFile(line_,
                           "a quote inside an unquoted field (quote the whole field and "
                           "double the quotes inside it)"));
          }
          ++pos_;
        }
        field.append(text_.substr(start, pos_ - start));
      }
      record.fields.push_back(std::move(field));
      field.clear();
      if (pos_ >= text_.size()) break;
      if (text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      pos_ += LineEndLength();
      ++line_;
      break;
    }
    record.blank = !quoted_any && record.fields.size() == 1 && record.fields[0].empty();
    return std::optional<CsvRecord>(std::move(record));
  }

 private:
  // 2 at a CRLF, 1 at an LF, 0 elsewhere (a lone CR is data).
  size_t LineEndLength() const {
    if (text_[pos_] == '\n') return 1;
    if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') return 2;
    return 0;
  }

  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
};

enum class Column {
  kPhoneNumber,
  kFirstName,
  kLastName,
  kEmail,
  kPriority,
  kIsHighValue,
  kTags,
  kTimeZone,
  kConsentKind,
  kConsentGivenAt,
  kConsentSource,
  kCustom
};

const std::map<std::string, Column, std::less<>>& KnownColumns() {
  static const std::map<std::string, Column, std::less<>> kColumns{
      {"phone_number", Column::kPhoneNumber},
      {"first_name", Column::kFirstName},
      {"last_name", Column::kLastName},
      {"email", Column::kEmail},
      {"priority", Column::kPriority},
      {"is_high_value", Column::kIsHighValue},
      {"tags", Column::kTags},
      {"time_zone", Column::kTimeZone},
      {"consent_kind", Column::kConsentKind},
      {"consent_given_at", Column::kConsentGivenAt},
      {"consent_source", Column::kConsentSource},
  };
  return kColumns;
}

std::string_view Trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

std::optional<std::string> NonEmpty(std::string_view cell) {
  std::string_view value = Trim(cell);
  if (value.empty()) return std::nullopt;
  return std::string(value);
}

std::optional<bool> ParseFlag(std::string_view cell) {
  std::string value(cell);
  std::transform(value.begin(), value.end(), value.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (value == "true" || value == "yes" || value == "1") return true;
  if (value == "false" || value == "no" || value == "0") return false;
  return std::nullopt;
}

std::vector<std::string> SplitTags(std::string_view cell) {
  std::vector<std::string> tags;
  size_t start = 0;
  while (start <= cell.size()) {
    size_t end = cell.find_first_of(";|", start);
    if (end == std::string_view::npos) end = cell.size();
    std::string_view tag = Trim(cell.substr(start, end - start));
    if (!tag.empty()) tags.emplace_back(tag);
    start = end + 1;
  }
  return tags;
}

// Well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF): every lead field ends
// up in JSON, which cannot carry anything else.
bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (byte < 0x80) {
      ++i;
      continue;
    } else if (byte >= 0xC2 && byte <= 0xDF) {
      length = 1;
    } else if (byte >= 0xE0 && byte <= 0xEF) {
      length = 2;
      if (byte == 0xE0) low = 0xA0;
      if (byte == 0xED) high = 0x9F;
    } else if (byte >= 0xF0 && byte <= 0xF4) {
      length = 3;
      if (byte == 0xF0) low = 0x90;
      if (byte == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    if (i + length >= text.size()) return false;
    for (size_t k = 1; k <= length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      const unsigned char min = k == 1 ? low : 0x80;
      const unsigned char max = k == 1 ? high : 0xBF;
      if (next < min || next > max) return false;
    }
    i += length + 1;
  }
  return true;
}

std::string Quoted(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

Expected<LeadUpload> ReadLeadsCsv(std::string_view text) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (text.starts_with(kBom)) text.remove_prefix(kBom.size());
  CsvReader reader(text);

  // The header: the first line that is not blank.
  std::optional<CsvRecord> header;
  while (true) {
    Expected<std::optional<CsvRecord>> record = reader.Next();
    if (!record) return std::unexpected(record.error());
    if (!*record) break;
    if (!(*record)->blank) {
      header = std::move(**record);
      break;
    }
  }
  if (!header) {
    return std::unexpected(
        BrokenFile(1,
                   "the file is empty; its first line must name the columns (phone_number, "
                   "...)"));
  }
  const std::string header_line = "line " + std::to_string(header->line) + ": ";
  std::vector<FieldError> header_errors;
  std::vector<Column> columns;
  std::vector<std::string> names;
  std::set<std::string, std::less<>> seen;
  for (size_t c = 0; c < header->fields.size(); ++c) {
    std::string name(Trim(header->fields[c]));
    if (!IsValidUtf8(name)) {
      header_errors.push_back(
          {"header", header_line + "column " + std::to_string(c + 1) + " is not valid UTF-8"});
      name = "column " + std::to_string(c + 1);
    } else if (name.empty()) {
      header_errors.push_back(
          {"header", header_line + "column " + std::to_string(c + 1) + " has no name"});
    } else if (!seen.insert(name).second) {
      header_errors.push_back({name, header_line + "the column appears more than once"});
    }
    auto known = KnownColumns().find(name);
    columns.push_back(known == KnownColumns().end() ? Column::kCustom : known->second);
    names.push_back(std::move(name));
  }
  if (!seen.contains("phone_number")) {
    header_errors.push_back(
        {"phone_number", header_line + "the header has no phone_number column"});
  }
  if (!header_errors.empty()) {
    std::string message = "invalid leads CSV: " + header_errors.front().message;
    return std::unexpected(Error::InvalidArgument(std::move(message), std::move(header_errors)));
  }

  LeadUpload result;
  std::vector<FieldError>& errors = result.errors;
  size_t index = 0;
  while (true) {
    Expected<std::optional<CsvRecord>> next = reader.Next();
    if (!next) return std::unexpected(next.error());
    if (!*next) break;
    CsvRecord& record = **next;
    if (record.blank) continue;
    const std::string row = "leads[" + std::to_string(index) + "]";
    const std::string at = "line " + std::to_string(record.line) + ": ";
    ++index;
    result.lines.push_back(record.line);
    Lead& lead = result.leads.emplace_back();
    if (record.fields.size() != columns.size()) {
      errors.push_back({row, at + std::to_string(record.fields.size()) +
                                 " fields, but the header names " +
                                 std::to_string(columns.size())});
      continue;
    }
    auto bad = [&](const std::string& column, std::string message) {
      errors.push_back({row + "." + column, at + message});
    };
    for (size_t c = 0; c < columns.size(); ++c) {
      const std::string& cell = record.fields[c];
      if (!IsValidUtf8(cell)) {
        bad(names[c], "is not valid UTF-8");
        continue;
      }
      switch (columns[c]) {
        case Column::kPhoneNumber:
          if (std::optional<std::string> number = NonEmpty(cell)) {
            lead.phone_number = std::move(*number);
          } else {
            bad(names[c], "is required");
          }
          break;
        case Column::kFirstName:
          lead.first_name = NonEmpty(cell);
          break;
        case Column::kLastName:
          lead.last_name = NonEmpty(cell);
          break;
        case Column::kEmail:
          lead.email = NonEmpty(cell);
          break;
        case Column::kTimeZone:
          lead.time_zone = NonEmpty(cell);
          break;
        case Column::kPriority: {
          std::string_view value = Trim(cell);
          if (value.empty()) break;
          int priority = 0;
          auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), priority);
          if (ec != std::errc() || end != value.data() + value.size() || priority < kMinPriority ||
              priority > kMaxPriority) {
            bad(names[c], "must be a whole number from 1 to 10");
          } else {
            lead.priority = priority;
          }
          break;
        }
        case Column::kIsHighValue: {
          std::string_view value = Trim(cell);
          if (value.empty()) break;
          if (std::optional<bool> flag = ParseFlag(value)) {
            lead.is_high_value = *flag;
          } else {
            bad(names[c], "must be true or false (or yes/no, 1/0)");
          }
          break;
        }
        case Column::kTags:
          lead.tags = SplitTags(cell);
          break;
        case Column::kConsentKind: {
          std::string_view value = Trim(cell);
          if (value.empty()) break;
          if (std::optional<ConsentKind> kind = ParseConsentKind(value)) {
            lead.consent.kind = *kind;
          } else {
            bad(names[c], "must be none, oral or written");
          }
          break;
        }
        case Column::kConsentGivenAt: {
          std::string_view value = Trim(cell);
          if (value.empty()) break;
          if (Expected<Instant> given = ParseIso8601(value)) {
            lead.consent.given_at = *given;
          } else {
            bad(names[c], given.error().message);
          }
          break;
        }
        case Column::kConsentSource:
          lead.consent.source = NonEmpty(cell);
          break;
        case Column::kCustom:
          if (!cell.empty()) lead.custom_fields[names[c]] = cell;
          break;
      }
    }
  }
  return result;
}

Expected<CsvLeads> ParseLeadsCsvWithLines(std::string_view text) {
  Expected<LeadUpload> upload = ReadLeadsCsv(text);
  if (!upload) return std::unexpected(upload.error());
  if (!upload->errors.empty()) {
    std::string message =
        "invalid leads CSV: " + std::to_string(upload->errors.size()) + " problem(s) in the rows";
    return std::unexpected(Error::InvalidArgument(std::move(message), std::move(upload->errors)));
  }
  return CsvLeads{.leads = std::move(upload->leads), .lines = std::move(upload->lines)};
}

Expected<std::vector<Lead>> ParseLeadsCsv(std::string_view text) {
  Expected<CsvLeads> parsed = ParseLeadsCsvWithLines(text);
  if (!parsed) return std::unexpected(parsed.error());
  return std::move(parsed->leads);
}

std::string FormatLeadsCsv(std::span<const Lead> leads) {
  std::set<std::string> custom;
  for (const Lead& lead : leads) {
    if (!lead.custom_fields.is_object()) continue;
    for (const auto& [key, value] : lead.custom_fields.items()) custom.insert(key);
  }
  std::string out =
      "phone_number,first_name,last_name,email,priority,is_high_value,tags,time_zone,"
      "consent_kind,consent_given_at,consent_source";
  for (const std::string& key : custom) out += "," + Quoted(key);
  out += '\n';
  for (const Lead& lead : leads) {
    std::string tags;
    for (const std::string& tag : lead.tags) tags += (tags.empty() ? "" : ";") + tag;
    out += Quoted(lead.phone_number) + "," + Quoted(lead.first_name.value_or("")) + "," +
           Quoted(lead.last_name.value_or("")) + "," + Quoted(lead.email.value_or("")) + "," +
           Quoted(std::to_string(lead.priority)) + "," +
           Quoted(lead.is_high_value ? "true" : "false") + "," + Quoted(tags) + "," +
           Quoted(lead.time_zone.value_or("")) + "," +
           Quoted(std::string(ToString(lead.consent.kind))) + "," +
           Quoted(lead.consent.given_at ? FormatIso8601(*lead.consent.given_at) : "") + "," +
           Quoted(lead.consent.source.value_or(""));
    for (const std::string& key : custom) {
      std::string value;
      if (lead.custom_fields.is_object()) {
        auto it = lead.custom_fields.find(key);
        if (it != lead.custom_fields.end()) {
          value = it->is_string() ? it->get<std::string>() : it->dump();
        }
      }
      out += "," + Quoted(value);
    }
    out += '\n';
  }
  return out;
}

}  // namespace talky
