#include "app/secrets.h"

#include <cstdlib>
#include <fstream>

namespace talky {

Expected<Secrets> Secrets::FromFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) return std::unexpected(Error::Unavailable("cannot read the secrets file " + path));
  Secrets secrets;
  std::string line;
  for (int number = 1; std::getline(file, line); ++number) {
    if (line.ends_with('\r')) line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    const std::size_t equals = line.find('=');
    if (equals == 0 || equals == std::string::npos) {
      return std::unexpected(Error::InvalidArgument(
          path + ":" + std::to_string(number) + ": not NAME=VALUE",
          {{"secrets_file", "line " + std::to_string(number) + " is not NAME=VALUE"}}));
    }
    secrets.file_values_[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return secrets;
}

std::optional<std::string> Secrets::Get(std::string_view name) const {
  if (auto found = file_values_.find(name); found != file_values_.end()) return found->second;
  if (const char* value = std::getenv(std::string(name).c_str())) return std::string(value);
  return std::nullopt;
}

}  // namespace talky
