#pragma once
// One downloadable file of a batch export, as the queue hands it to the export pieces. The API
// model (FileMetadata of spec §4.6) is converted to this plain struct by the download queue.
// A null QString means "absent" (written as JSON null); an empty, non-null string is a value.
#include <QString>

namespace bd {

struct ExportFileInfo {
    QString downloadUrl;        // downloadURL (required)
    QString fileName;           // fileName (required, authoritative local name)
    QString partName;           // partName (optional)
    QString shardId;            // shardId (optional)
    QString contentType;        // contentType (required)
    QString nestedContentType;  // nestedContentType (optional)

    // Identity key of spec §8.3: "fileName-partName-shardId", a missing value rendered as "None"
    // exactly like the Python CLI's f-string does.
    QString identityKey() const;

    bool operator==(const ExportFileInfo &other) const = default;
};

}  // namespace bd
