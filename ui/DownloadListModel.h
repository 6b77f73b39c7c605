#pragma once
// The transfer list: one row per file of the running exports (qBittorrent's transfer list):
// job, name, part, size, a progress column (percent under SortRole, painted by ProgressDelegate),
// state, speed and destination. Rows follow ExportOperation's signals and the progress of the
// DownloadOperation it creates for each file; nothing here touches the disk or the network.
#include "RecordTableModel.h"
#include "core/Error.h"

#include <QHash>
#include <QPointer>

namespace bd { class ExportOperation; class DownloadOperation; }

namespace bd::ui {

struct DownloadRow {
    enum class State { Queued, Downloading, Paused, Extracting, Done, Skipped, Failed, Cancelled };
    quint64 exportSerial = 0;   // which export the row belongs to (several can run)
    QString key;                // identity key of the file (spec §8.3)
    QString fileName;
    QString partName;
    QString batchId;
    QString jobId;              // the job whose results these are (empty: a batch exported by id)
    QString destPath;
    bool isArchive = false;
    qint64 bytesDone = 0;
    qint64 bytesTotal = -1;     // unknown until the GET answers
    double speed = 0;
    State state = State::Queued;
    QString errorText;

    int percent() const;        // 0-100, -1 when the size is still unknown while downloading
    QString stateText() const;
    QString rowKey() const { return QString::number(exportSerial) + QLatin1Char('/') + key; }
};

class DownloadListModel : public RecordTableModel<DownloadRow>
{
    Q_OBJECT
public:
    enum Column { Job, Name, Part, Size, Progress, State, Speed, Destination, ColumnCount };
    // The job an export belongs to, when it is not the export's own jobId (an output batch
    // downloaded from the Exports list): set as this dynamic property on the operation.
    static constexpr const char *kJobIdProperty = "bdJobId";

    explicit DownloadListModel(QObject *parent = nullptr);

    // Follow this export: rows appear when it has planned, change as files move.
    void track(ExportOperation *operation);
    // Forget the rows of finished exports.
    void clearFinished();

    int countInState(DownloadRow::State state) const;
    const DownloadRow *rowForKey(const QString &fileKey) const;

private:
    struct Tracked {
        QPointer<ExportOperation> operation;
        QHash<QString, int> rowByKey;   // file key -> index into m_rows
    };
    void onPlanned(quint64 serial);
    void onFileStarted(quint64 serial, const QString &key, const QString &destPath);
    void onFileFinished(quint64 serial, const QString &key, const bd::Error &error);
    void onExportFinished(quint64 serial);
    void onExportStateChanged(quint64 serial, bool suspended);
    void followDownload(quint64 serial, const QString &key, DownloadOperation *download);
    DownloadRow *mutableRow(quint64 serial, const QString &key);
    void publish();

    QVector<DownloadRow> m_rows;               // our copy; setRows() publishes it
    QHash<quint64, Tracked> m_tracked;
    quint64 m_nextSerial = 1;
    bool m_publishQueued = false;
};

}  // namespace bd::ui
