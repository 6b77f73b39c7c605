#include "ReferencesIngestDialog.h"

#include "ColumnWidths.h"
#include "IngestTargetForm.h"
#include "StatusTone.h"
#include "core/Redact.h"
#include "staging/BatchNaming.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace bd::ui {

using staging::ReferencesIngestOperation;

namespace {

// What the preview shows of a URL: scheme, host and path. Signed query strings are credentials.
QString shownUrl(const QString &url)
{
    QUrl u(url);
    if (!u.isValid() || u.scheme().isEmpty())
        return url.left(120);
    const bool hadQuery = u.hasQuery();
    u.setQuery(QString());
    u.setUserInfo({});
    return u.toString() + (hadQuery ? QStringLiteral("?…") : QString());
}

}  // namespace

ReferencesIngestDialog::ReferencesIngestDialog(AppSession *session, QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Ingest from references"));
    m_fromFile = new QRadioButton(tr("&File on this computer:"), this);
    m_fromUrl = new QRadioButton(tr("https &URL the service fetches:"), this);
    m_fromFile->setChecked(true);
    m_path = new QLineEdit(this);
    m_path->setPlaceholderText(tr("references.jsonl — one {\"name\", \"url\"} per line"));
    m_browse = new QPushButton(tr("&Browse…"), this);
    m_url = new QLineEdit(this);
    m_url->setPlaceholderText(QStringLiteral("https://example.com/references.jsonl"));
    m_media = new QComboBox(this);
    m_media->addItem(tr("Images"));
    m_media->addItem(tr("Videos"));
    auto *source = new QFormLayout;
    auto *fileRow = new QHBoxLayout;
    fileRow->addWidget(m_path, 1);
    fileRow->addWidget(m_browse);
    source->addRow(m_fromFile, fileRow);
    source->addRow(m_fromUrl, m_url);
    source->addRow(tr("&Media:"), m_media);

    m_summary = new QLabel(this);
    m_summary->setWordWrap(true);
    m_table = new QTableWidget(0, 4, this);
    // The problem next to the name, where the eye goes; the URL (query hidden) last.
    m_table->setHorizontalHeaderLabels({ tr("Line"), tr("Name"), tr("Problem"), tr("URL") });
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setWordWrap(false);
    m_table->horizontalHeader()->setStretchLastSection(true);
    setColumnChars(m_table, { { 0, 6 }, { 1, 22 }, { 2, 46 } });
    m_table->setAccessibleName(tr("Problems in the references file"));
    m_table->setAccessibleDescription(tr("Lines of the references file that cannot be ingested, with the reason"));
    m_table->setMinimumHeight(220);

    m_target = new IngestTargetForm(session, true, this);
    auto *buttons = IngestTargetForm::ingestButtons(this, &m_ingest, [this] { Q_EMIT ingestRequested(options()); });

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(source);
    layout->addWidget(m_summary);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_target);
    layout->addWidget(buttons);
    resize(900, 560);

    connect(m_browse, &QPushButton::clicked, this, &ReferencesIngestDialog::browse);
    connect(m_path, &QLineEdit::editingFinished, this, [this] {
        if (!m_path->text().isEmpty() && m_path->text() != m_preview.error.message)
            loadFile(m_path->text());
    });
    connect(m_url, &QLineEdit::textChanged, this, [this] {
        m_fromUrl->setChecked(true);
        updateState();
    });
    connect(m_fromFile, &QRadioButton::toggled, this, &ReferencesIngestDialog::updateState);
    connect(m_target, &IngestTargetForm::changed, this, &ReferencesIngestDialog::updateState);
    connect(&m_watcher, &QFutureWatcher<ReferencesPreview>::finished, this, [this] {
        m_loading = false;
        m_preview = m_watcher.result();
        showPreview();
        Q_EMIT previewReady();
    });
    updateState();
}

ReferencesIngestDialog::~ReferencesIngestDialog()
{
    m_watcher.waitForFinished();   // the reader holds no pointer to us, but its result is ours
}

void ReferencesIngestDialog::browse()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("References file"), m_path->text(),
                                                      tr("JSON Lines (*.jsonl *.json *.txt);;All files (*)"));
    if (!path.isEmpty())
        loadFile(path);
}

void ReferencesIngestDialog::loadFile(const QString &path)
{
    m_fromFile->setChecked(true);
    m_path->setText(path);
    if (m_target->batchId().isEmpty())
        m_target->batchIdEdit()->setText(staging::BatchNaming::suggestBatchId(QFileInfo(path).completeBaseName()));
    m_loading = true;
    m_summary->setText(tr("Reading %1…").arg(QFileInfo(path).fileName()));
    m_table->setRowCount(0);
    updateState();
    // Files of 100 000 references take a moment to parse and check: not on the GUI thread.
    m_watcher.setFuture(QtConcurrent::run([path] {
        ReferencesPreview p;
        p.entries = ReferencesIngestOperation::readReferencesFile(path, &p.error);
        if (!p.error)
            p.problems = ReferencesIngestOperation::validate(p.entries);
        return p;
    }));
}

void ReferencesIngestDialog::setUrl(const QString &url)
{
    m_url->setText(url);
    m_fromUrl->setChecked(true);
}

void ReferencesIngestDialog::changeEvent(QEvent *event)
{
    QDialog::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)   // the desktop's high-contrast / dark setting
        colourProblems();
}

void ReferencesIngestDialog::colourProblems()
{
    const QColor bad = statusColour(StatusTone::Bad, palette());
    for (int row = 0; row < m_table->rowCount(); ++row)
        if (QTableWidgetItem *problem = m_table->item(row, 2); problem && !problem->text().isEmpty())
            problem->setForeground(bad);
}

void ReferencesIngestDialog::showPreview()
{
    m_table->setRowCount(0);
    if (m_preview.error) {
        m_summary->setText(redact(m_preview.error.message));
        updateState();
        return;
    }
    QHash<int, QString> problemOf;
    for (const auto &p : m_preview.problems)
        problemOf[p.index] += (problemOf.contains(p.index) ? QStringLiteral("; ") : QString()) + p.message;
    // Entries with a problem first (so none hides past the preview limit), then the others.
    QVector<int> order;
    for (int i = 0; i < m_preview.entries.size(); ++i)
        if (problemOf.contains(i))
            order << i;
    for (int i = 0; i < m_preview.entries.size() && order.size() < kMaxPreviewRows; ++i)
        if (!problemOf.contains(i))
            order << i;
    m_table->setSortingEnabled(false);
    m_table->setRowCount(int(order.size()));
    for (int row = 0; row < order.size(); ++row) {
        const auto &e = m_preview.entries.at(order.at(row));
        auto *line = new QTableWidgetItem;
        line->setData(Qt::DisplayRole, e.line);
        m_table->setItem(row, 0, line);
        m_table->setItem(row, 1, new QTableWidgetItem(e.name));
        // The Line column already says where: drop the messages' "line N: " prefix in the cell.
        static const QRegularExpression linePrefix(QStringLiteral("(^|; )line \\d+: "));
        const QString full = problemOf.value(order.at(row));
        auto *problem = new QTableWidgetItem(QString(full).replace(linePrefix, QStringLiteral("\\1")));
        problem->setToolTip(full);
        m_table->setItem(row, 2, problem);
        m_table->setItem(row, 3, new QTableWidgetItem(shownUrl(e.url)));
    }
    colourProblems();
    const int entries = int(m_preview.entries.size());
    QString text = tr("%n reference(s)", nullptr, entries);
    if (!m_preview.problems.isEmpty())
        text += tr(" — %n problem(s) to fix before ingesting (listed first)", nullptr, int(m_preview.problems.size()));
    if (entries > order.size())
        text += tr(" · preview shows %1").arg(order.size());
    m_summary->setText(text);
    updateState();
}

QString ReferencesIngestDialog::summaryText() const { return m_summary->text(); }

staging::ReferencesIngestOptions ReferencesIngestDialog::options() const
{
    staging::ReferencesIngestOptions o;
    m_target->fill(&o);
    o.videos = m_media->currentIndex() == 1;
    if (m_fromUrl->isChecked())
        o.referencesUrl = m_url->text().trimmed();
    else
        o.references = m_preview.entries;
    return o;
}

void ReferencesIngestDialog::updateState()
{
    m_path->setEnabled(m_fromFile->isChecked());
    m_browse->setEnabled(m_fromFile->isChecked());
    m_table->setEnabled(m_fromFile->isChecked());
    QString problem = m_target->problem();
    if (m_fromUrl->isChecked()) {
        const QUrl url(m_url->text().trimmed(), QUrl::StrictMode);
        if (problem.isEmpty() && (!url.isValid() || url.scheme() != QLatin1String("https") || url.host().isEmpty()))
            problem = tr("The references URL must be an https:// address.");
        if (m_url->text().isEmpty())
            m_summary->setText(tr("The service downloads the file itself; it is not previewed here."));
    } else if (problem.isEmpty()) {
        if (m_loading)
            problem = tr("Reading the file…");
        else if (m_preview.error || m_preview.entries.isEmpty())
            problem = tr("Choose a references file.");
        else if (!m_preview.problems.isEmpty())
            problem = tr("Fix the problems listed first.");
    }
    m_ingest->setEnabled(problem.isEmpty());
    m_ingest->setToolTip(problem);
}

}  // namespace bd::ui
