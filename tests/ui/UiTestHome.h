#pragma once
// Every GUI test runs Batchdeck against a throw-away home: its SQLite data and its settings file go
// into `home`, so no test reads or changes a real user's state (or another test's).
#include <QTemporaryDir>

inline bool useTemporaryHome(const QTemporaryDir &home)
{
    if (!home.isValid())
        return false;
    qputenv("BATCHDECK_DATA_DIR", home.filePath(QStringLiteral("data")).toUtf8());
    qputenv("BATCHDECK_CONFIG_FILE", home.filePath(QStringLiteral("batchdeck.ini")).toUtf8());
    return true;
}
