#pragma once
// The New job dialog's "Images in the Asset Library" input: exact image ids (pasted or loaded
// from a file), a RoboQL query with a live count from the service (A2, debounced), or the whole
// library behind an explicit confirmation that shows the image count. Widgets only: the counts
// come from the session (session::Jobs::countAssetLibrary), the selection goes into a jobs::AssetLibraryJobSpec.
#include "jobs/JobSpecAssetLibrary.h"

#include <QWidget>

#include <optional>

class QButtonGroup;
class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QStackedWidget;
class QTimer;

namespace bd::ui {

class AppSession;

class AssetLibraryInput : public QWidget
{
    Q_OBJECT
public:
    explicit AssetLibraryInput(AppSession *session, QWidget *parent = nullptr);

    jobs::AssetSelection mode() const;
    void setMode(jobs::AssetSelection mode);
    void setImageIdsText(const QString &text);
    void setQuery(const QString &query);
    void setConfirmed(bool confirmed);
    // Reads an ids file into the text box; false with *error when it cannot be read.
    bool loadImageIdsFile(const QString &path, QString *error);

    // Selection fields of the spec (the rest of the dialog fills the others).
    void applyTo(jobs::AssetLibraryJobSpec &spec) const;
    // Problems of the text itself (unreadable ids), besides the spec's validation.
    jobs::FieldProblems inputProblems() const;

    QString queryCountText() const;   // the live count line under the query
    std::optional<qint64> libraryCount() const { return m_libraryCount; }
    QString confirmText() const;      // "Run over all N images of the Asset Library"

Q_SIGNALS:
    void changed();
    void queryCounted();              // a live count (or its error) arrived
    void libraryCounted();

private:
    void scheduleQueryCount();
    void countQuery();
    void countLibrary();

    AppSession *m_session;
    QButtonGroup *m_modes = nullptr;
    QStackedWidget *m_pages = nullptr;
    QPlainTextEdit *m_ids = nullptr;
    QLabel *m_idsCount = nullptr;
    QLineEdit *m_query = nullptr;
    QLabel *m_queryCount = nullptr;
    QLabel *m_libraryLabel = nullptr;
    QCheckBox *m_confirm = nullptr;
    QTimer *m_queryTimer = nullptr;
    int m_queryGeneration = 0;
    std::optional<qint64> m_libraryCount;
};

}  // namespace bd::ui
