#pragma once
// Private by default: what Batchdeck keeps for itself (database, settings, locks) is readable by
// its user only - files 0600 in folders 0700, whatever the umask. Another local user must not
// read which batches, folders and workspaces someone works with.
#include <QString>

namespace bd {

// Creates `dir` and any missing parent; every folder it creates gets mode 0700 (existing ones
// are left alone). True when the folder exists afterwards.
bool makePrivateDir(const QString &dir);
// Creates `path` empty with mode 0600 if it does not exist (never following a link), and sets
// an existing one to 0600. False with *error (strerror text) when neither works.
bool makePrivateFile(const QString &path, QString *error = nullptr);
// Sets mode 0600 on `path` if it exists (a file written by a library with its own default).
void tightenFile(const QString &path);

}  // namespace bd
