// Helpers for the database connection URLs of the shared stores (PostgreSQL, MariaDB) and of
// keypaird-manage's import-nova.
#pragma once

#include <string>

namespace keypaird::store {

// `url` with its password replaced by "***", for logs and messages.
std::string redact_database_url(const std::string& url);

}  // namespace keypaird::store
