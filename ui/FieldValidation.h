#pragma once
// Deferred validation in a reserved line (docs/ui-guidelines.md): a field's message appears only
// once the user has left the field (after editing it) or pressed submit, in a label under the
// field that is always one line high, so the form never moves. No red frame: the focus frame
// stays visible and the message carries a ⚠, so colour is not the only signal.
//
//   auto *validation = new FieldValidation(dialog);
//   QLabel *line = validation->add(edit, [edit] { return edit->text().isEmpty() ? tr("Required") : QString(); });
//   layout->addWidget(line);                  // under the field
//   ... on submit: if (!validation->validateAll()) return;
#include <QHash>
#include <QObject>
#include <QPointer>

#include <functional>

class QLabel;
class QWidget;

namespace bd::ui {

class FieldValidation : public QObject
{
    Q_OBJECT
public:
    using Check = std::function<QString()>;   // empty: valid; else the message

    explicit FieldValidation(QObject *parent);

    // Watch `field`; returns its reserved message line (parented to the field's parent), or uses
    // `line` when the form already has one.
    QLabel *add(QWidget *field, Check check, QLabel *line = nullptr);
    // Re-check the fields already shown (call on every edit: a message disappears at once when fixed).
    void recheck();
    // Submit: show every field's message; true when all are valid. Focuses the first invalid one.
    bool validateAll();
    bool isValid() const;
    QString message(QWidget *field) const;
    // For forms that compute their own messages (New job): only track when a field may speak.
    void watch(QWidget *field);
    bool isTouched(QWidget *field) const;
    void touchAll();   // on submit
    // A reserved, one-line-high message label with the ⚠ style; for forms that place it themselves.
    static QLabel *makeMessageLine(QWidget *parent);
    static void showMessage(QLabel *line, const QString &message);

Q_SIGNALS:
    // A field was left after an edit (or everything was submitted): its message may now show.
    void touched(QWidget *field);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    struct Entry {
        QPointer<QWidget> field;
        QPointer<QLabel> line;
        Check check;
        bool touched = false;   // left after an edit, or submitted
    };
    void show(Entry &entry);
    QList<Entry> m_entries;
};

}  // namespace bd::ui
