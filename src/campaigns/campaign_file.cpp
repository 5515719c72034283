#include "campaigns/campaign_file.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "domain/calling_rules.h"
#include "domain/phone_number.h"

namespace talky {
namespace {

// Collects every problem of the file, each as the key's path and "line N: what is wrong".
class Problems {
 public:
  void Add(std::string key, const toml::source_region& where, std::string message) {
    fields_.push_back({std::move(key), fmt::format("line {}: {}", where.begin.line, message)});
  }
  bool empty() const { return fields_.empty(); }
  std::vector<FieldError> Take() { return std::move(fields_); }

 private:
  std::vector<FieldError> fields_;
};

// The calling rules are read by the JSON reader that `talky rules validate` uses, so both accept
// the same keys and values; TOML's own times and dates become the strings that reader expects.
nlohmann::json ToJson(const toml::node& node) {
  if (const auto* text = node.as_string()) return text->get();
  if (const auto* number = node.as_integer()) return number->get();
  if (const auto* real = node.as_floating_point()) return real->get();
  if (const auto* flag = node.as_boolean()) return flag->get();
  if (const auto* time = node.as_time()) {
    return fmt::format("{:02}:{:02}", time->get().hour, time->get().minute);
  }
  if (const auto* date = node.as_date()) {
    return fmt::format("{:04}-{:02}-{:02}", date->get().year, date->get().month, date->get().day);
  }
  if (const auto* array = node.as_array()) {
    nlohmann::json list = nlohmann::json::array();
    for (const toml::node& element : *array) list.push_back(ToJson(element));
    return list;
  }
  if (const auto* table = node.as_table()) {
    nlohmann::json object = nlohmann::json::object();
    for (const auto& [key, value] : *table) object[std::string(key.str())] = ToJson(value);
    return object;
  }
  // A date-time: no calling-rules key takes one, so the reader rejects it with the key's name.
  return "a TOML date-time";
}

std::string_view TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "true or false";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date or time";
  }
}

// One [[tenants]] or [[campaigns]] table: reads the known keys, reports the rest.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string path, Problems& problems)
      : table_(table), path_(std::move(path)), problems_(problems) {}

  std::optional<std::string> String(std::string_view key, bool required) {
    used_.insert(std::string(key));
    const toml::node* node = table_.get(key);
    if (node == nullptr) {
      if (required) problems_.Add(Name(key), table_.source(), "is required");
      return std::nullopt;
    }
    const auto* text = node->as_string();
    if (text == nullptr) {
      problems_.Add(Name(key), node->source(),
                    fmt::format("must be a string, not {}", TypeName(*node)));
      return std::nullopt;
    }
    if (required && text->get().empty()) {
      problems_.Add(Name(key), node->source(), "must not be empty");
      return std::nullopt;
    }
    return text->get();
  }

  std::optional<int64_t> Integer(std::string_view key) {
    used_.insert(std::string(key));
    const toml::node* node = table_.get(key);
    if (node == nullptr) return std::nullopt;
    const auto* number = node->as_integer();
    if (number == nullptr) {
      problems_.Add(Name(key), node->source(),
                    fmt::format("must be an integer, not {}", TypeName(*node)));
      return std::nullopt;
    }
    return number->get();
  }

  const toml::node* Node(std::string_view key) {
    used_.insert(std::string(key));
    return table_.get(key);
  }

  void ReportUnknownKeys() {
    for (const auto& [key, value] : table_) {
      if (!used_.contains(std::string(key.str()))) {
        problems_.Add(Name(key.str()), key.source(),
                      fmt::format("unknown key (known: {})", fmt::join(used_, ", ")));
      }
    }
  }

  std::string Name(std::string_view key) const { return path_ + "." + std::string(key); }
  const toml::source_region& where() const { return table_.source(); }

 private:
  const toml::table& table_;
  std::string path_;
  Problems& problems_;
  std::set<std::string> used_;
};

void ReadRules(const toml::node& node, const std::string& path, Problems& problems,
               CallingRules& rules) {
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    problems.Add(path, node.source(), fmt::format("must be a table, not {}", TypeName(node)));
    return;
  }
  Expected<CallingRules> parsed = CallingRulesFromJson(ToJson(*table));
  if (parsed) {
    rules = *parsed;
    return;
  }
  if (parsed.error().fields.empty()) {
    problems.Add(path, table->source(), parsed.error().message);
    return;
  }
  for (const FieldError& field : parsed.error().fields) {
    // "allowed_days[2]" is on the line of allowed_days.
    const std::string top = field.field.substr(0, field.field.find_first_of("[."));
    const toml::node* at = table->get(top);
    problems.Add(path + "." + field.field, at != nullptr ? at->source() : table->source(),
                 field.message);
  }
}

void ReadHolidays(const toml::node& node, const std::string& path, Problems& problems,
                  std::vector<std::chrono::year_month_day>& holidays) {
  const toml::array* array = node.as_array();
  if (array == nullptr) {
    problems.Add(path, node.source(), "must be an array of dates");
    return;
  }
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    const std::string name = fmt::format("{}[{}]", path, i);
    std::optional<std::chrono::year_month_day> day;
    if (const auto* date = element.as_date()) {
      day = std::chrono::year{date->get().year} / date->get().month / date->get().day;
    } else if (const auto* text = element.as_string()) {
      unsigned year = 0, month = 0, dd = 0;
      char tail = 0;
      if (std::sscanf(text->get().c_str(), "%4u-%2u-%2u%c", &year, &month, &dd, &tail) == 3) {
        day = std::chrono::year{static_cast<int>(year)} / month / dd;
      }
    }
    if (!day || !day->ok()) {
      problems.Add(name, element.source(), "must be a date, YYYY-MM-DD");
      continue;
    }
    holidays.push_back(*day);
  }
}

std::optional<Tenant> ReadTenant(const toml::table& table, size_t index, Problems& problems) {
  TableReader reader(table, fmt::format("tenants[{}]", index), problems);
  Tenant tenant;
  std::optional<std::string> id = reader.String("id", true);
  std::optional<std::string> name = reader.String("name", true);
  if (std::optional<std::string> region = reader.String("default_region", false)) {
    tenant.default_region = *region;
  }
  if (const toml::node* holidays = reader.Node("holidays")) {
    ReadHolidays(*holidays, reader.Name("holidays"), problems, tenant.holidays);
  }
  if (const toml::node* rules = reader.Node("rules")) {
    ReadRules(*rules, reader.Name("rules"), problems, tenant.rules);
  }
  reader.ReportUnknownKeys();
  if (!id || !name) return std::nullopt;
  tenant.id = TenantId{*id};
  tenant.name = *name;
  return tenant;
}

std::optional<CampaignFileEntry> ReadCampaign(const toml::table& table, size_t index,
                                              Problems& problems) {
  TableReader reader(table, fmt::format("campaigns[{}]", index), problems);
  CampaignFileEntry entry;
  Campaign& campaign = entry.campaign;
  std::optional<std::string> key = reader.String("key", true);
  std::optional<std::string> tenant = reader.String("tenant", true);
  std::optional<std::string> name = reader.String("name", true);
  campaign.description = reader.String("description", false);
  campaign.system_prompt =
      reader.String("system_prompt", false).value_or("You are a friendly, brief calling agent.");
  campaign.voice_id = reader.String("voice_id", false).value_or("default");
  campaign.goal = reader.String("goal", false);
  if (std::optional<int64_t> max = reader.Integer("max_concurrent_calls")) {
    if (std::optional<std::string> problem = CampaignConcurrencyProblem(*max)) {
      problems.Add(reader.Name("max_concurrent_calls"), table.get("max_concurrent_calls")->source(),
                   *problem);
    } else {
      campaign.max_concurrent_calls = static_cast<int>(*max);
    }
  }
  if (std::optional<std::string> caller_id = reader.String("caller_id", false)) {
    Expected<PhoneNumber> number = ParsePhoneNumber(*caller_id, "US");
    if (!caller_id->starts_with("+") || !number) {
      problems.Add(reader.Name("caller_id"), table.get("caller_id")->source(),
                   "must be an E.164 number such as +12025550142");
    } else {
      campaign.calling_config = {{"caller_id", *caller_id}};
    }
  }
  reader.ReportUnknownKeys();
  if (!key || !tenant || !name) return std::nullopt;
  entry.key = *key;
  campaign.tenant_id = TenantId{*tenant};
  campaign.name = *name;
  return entry;
}

const toml::array* ArrayOfTables(const toml::table& root, std::string_view key,
                                 Problems& problems) {
  const toml::node* node = root.get(key);
  if (node == nullptr) {
    problems.Add(std::string(key), root.source(),
                 fmt::format("is required: at least one [[{}]] table", key));
    return nullptr;
  }
  const toml::array* array = node->as_array();
  if (array == nullptr || !array->is_array_of_tables() || array->empty()) {
    problems.Add(std::string(key), node->source(),
                 fmt::format("must be one or more [[{}]] tables", key));
    return nullptr;
  }
  return array;
}

}  // namespace

Expected<CampaignFile> ParseCampaignFile(std::string_view text, std::string_view source_name) {
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& error) {
    return std::unexpected(Error::InvalidArgument(fmt::format(
        "{}:{}: not valid TOML: {}", source_name, error.source().begin.line, error.description())));
  }
  Problems problems;
  CampaignFile file;
  for (const auto& [key, value] : root) {
    if (key.str() != "tenants" && key.str() != "campaigns") {
      problems.Add(std::string(key.str()), key.source(),
                   "unknown key (known: [[tenants]], [[campaigns]])");
    }
  }
  if (const toml::array* tenants = ArrayOfTables(root, "tenants", problems)) {
    std::map<std::string, size_t> seen;
    for (size_t i = 0; i < tenants->size(); ++i) {
      const toml::table& table = *tenants->get(i)->as_table();
      std::optional<Tenant> tenant = ReadTenant(table, i, problems);
      if (!tenant) continue;
      if (auto [it, fresh] = seen.emplace(tenant->id.value, i); !fresh) {
        problems.Add(fmt::format("tenants[{}].id", i), table.get("id")->source(),
                     fmt::format("'{}' is also tenants[{}]'s id", tenant->id.value, it->second));
        continue;
      }
      file.tenants.push_back(std::move(*tenant));
    }
  }
  const toml::array* campaigns = ArrayOfTables(root, "campaigns", problems);
  if (campaigns != nullptr && root["tenants"].as_array() != nullptr) {
    std::map<std::string, size_t> seen;
    for (size_t i = 0; i < campaigns->size(); ++i) {
      const toml::table& table = *campaigns->get(i)->as_table();
      std::optional<CampaignFileEntry> entry = ReadCampaign(table, i, problems);
      if (!entry) continue;
      if (auto [it, fresh] = seen.emplace(entry->key, i); !fresh) {
        problems.Add(fmt::format("campaigns[{}].key", i), table.get("key")->source(),
                     fmt::format("'{}' is also campaigns[{}]'s key", entry->key, it->second));
        continue;
      }
      // Declared, even if that tenant's table has problems of its own (reported there).
      const bool tenant_declared =
          std::ranges::any_of(*root["tenants"].as_array(), [&](const toml::node& node) {
            const toml::table* tenant = node.as_table();
            return tenant != nullptr && tenant->get("id") != nullptr &&
                   tenant->get("id")->value<std::string>() == entry->campaign.tenant_id.value;
          });
      if (!tenant_declared) {
        problems.Add(fmt::format("campaigns[{}].tenant", i), table.get("tenant")->source(),
                     fmt::format("'{}' is not the id of a [[tenants]] table in this file",
                                 entry->campaign.tenant_id.value));
        continue;
      }
      file.campaigns.push_back(std::move(*entry));
    }
  }
  if (!problems.empty()) {
    return std::unexpected(Error::InvalidArgument(
        fmt::format("{}: invalid campaign file", source_name), problems.Take()));
  }
  return file;
}

Expected<CampaignFile> LoadCampaignFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::unexpected(
        Error::NotFound(fmt::format("cannot read the campaign file '{}'", path.string())));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return ParseCampaignFile(text.str(), path.string());
}

}  // namespace talky
