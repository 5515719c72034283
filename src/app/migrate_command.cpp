#include "app/migrate_command.h"

#include "app/cli.h"
#include "app/open_store.h"
#include "store/migrations/migrations.h"

namespace talky {

MigrateCommand::MigrateCommand(CLI::App& app) {
  migrate_ = app.add_subcommand("migrate", "Bring the database schema up to date");
  migrate_->add_option("--database-url", database_url_, DatabaseUrlHelp());
}

bool MigrateCommand::Selected() const { return migrate_->parsed(); }

int MigrateCommand::Run(std::ostream& out, std::ostream& err) const {
  Expected<DatabaseTarget> target = ParseDatabaseUrl(database_url_);
  if (!target) {
    err << "talky migrate: " << target.error().Describe() << "\n";
    return kExitUsage;
  }
  Expected<std::unique_ptr<SqlConnection>> connection = OpenConnection(*target);
  if (!connection) {
    err << "talky migrate: " << connection.error().Describe() << "\n";
    return kExitFailure;
  }
  SystemClock clock;
  Expected<MigrationReport> report = Migrate(**connection, clock.Now());
  if (!report) {
    err << "talky migrate: " << report.error().Describe() << "\n";
    return kExitFailure;
  }
  if (report->from_version == report->to_version) {
    out << "schema is up to date at version " << report->to_version << "\n";
  } else {
    out << "schema migrated from version " << report->from_version << " to " << report->to_version
        << "\n";
  }
  return kExitOk;
}

}  // namespace talky
