#pragma once
// "Download results": confirm the target folder (proposed as <last folder>/<job id>), which parts
// of a multipart batch, and whether to keep the archives after extracting them. The part list is
// fetched in the background (D2 + D4); the dialog never blocks on it.
#include "exports/ExportOperation.h"

#include <QDialog>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QSpinBox;

namespace bd::session { class Batches; }

namespace bd::ui {

class DownloadDialog : public QDialog
{
    Q_OBJECT
public:
    // `base` says what to export (batchIds or jobId) and proposes targetDir / concurrency.
    DownloadDialog(session::Batches *batches, ExportOptions base, QWidget *parent = nullptr);

    // The options as the person left them (targetDir, partNames, keepArchives, concurrency).
    ExportOptions options() const;
    // What is downloaded, in words (the Exports tab names the job and stage of an output batch).
    void setSourceDescription(const QString &text);

    // The folder to remember as "last download folder": the target minus the id it was proposed
    // with (<folder>/<job id> -> <folder>), else the target itself.
    static QString rememberedFolder(const QString &targetDir, const QString &proposedLeaf);
    // <folder>/<leaf>, or ~/Downloads/Batchdeck/<leaf> when no folder was remembered yet.
    static QString proposedTarget(const QString &lastFolder, const QString &leaf);

private:
    void browse();
    void loadParts();
    void validate();

    session::Batches *m_api;   // the session's batch reads (D2, D4)
    ExportOptions m_base;
    QLineEdit *m_folder = nullptr;
    QListWidget *m_parts = nullptr;
    QLabel *m_partsStatus = nullptr;
    QCheckBox *m_keepArchives = nullptr;
    QSpinBox *m_concurrency = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
    QLabel *m_what = nullptr;
    QLabel *m_folderProblem = nullptr;
};

}  // namespace bd::ui
