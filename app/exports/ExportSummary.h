#pragma once
// What one ExportOperation did, for a person (toText: the CLI prints it, the GUI shows it) and for
// machines (toJson: `export-batch --json`).
#include "core/Error.h"
#include "exports/ArchiveExtraction.h"

#include <QJsonObject>
#include <QString>
#include <QVector>

namespace bd {

struct ExportSummary {
    struct Failure { QString key; QString fileName; QString destPath; Error error; };
    struct Refusal { QString archive; RefusedEntry entry; };

    int planned = 0;               // files listed by D5
    int downloaded = 0;            // fetched in this run (archives included)
    int skipped = 0;               // already done before this run
    int extracted = 0;             // archives extracted
    int extractedFiles = 0;        // files written from archives
    int resumed = 0;               // files continued from a .part with a Range request
    int urlRefreshes = 0;          // expired URLs replaced by a new listing
    qint64 bytesDownloaded = 0;    // bytes received in this run
    QVector<Failure> failures;
    QVector<Refusal> refused;      // archive entries refused for safety

    int failed() const { return int(failures.size()); }
    QJsonObject toJson() const;
    // A few lines for a person (the CLI prints them; the GUI shows them in a dialog).
    QString toText() const;
};

}  // namespace bd
