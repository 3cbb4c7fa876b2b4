import type { Request, Response } from 'express';
import type { ConnectionTest } from '../connection-tests/entities/connection-test.entity';
import { escapeHtml, htmlPage } from '../common/html';

/** A test sign-in's report: JSON for programs, a page for the IT admin who opened the link. */
export function sendConnectionTestReport(request: Request, response: Response, test: ConnectionTest): void {
  const report = {
    testId: test.id,
    connectionId: test.connectionId,
    succeeded: test.succeeded,
    issuer: test.issuer,
    subject: test.subject,
    email: test.email,
    firstName: test.firstName,
    lastName: test.lastName,
    groups: test.groups,
    roles: test.roles,
    problems: test.problems,
  };
  response.status(200);
  if (request.accepts(['html', 'json']) === 'json') {
    response.json(report);
    return;
  }
  const row = (label: string, value: string | null) =>
    `<tr><th>${escapeHtml(label)}</th><td>${value === null || value === '' ? '<em>none</em>' : escapeHtml(value)}</td></tr>`;
  const problems = test.problems.length
    ? `<ul>${test.problems.map((problem) => `<li><code>${escapeHtml(problem.code)}</code> ${escapeHtml(problem.message)}${problem.blocksLogin ? ' (a login would be refused)' : ''}${problem.advice ? `<br>${escapeHtml(problem.advice)}` : ''}</li>`).join('')}</ul>`
    : '<p>None.</p>';
  response.type('html').send(
    htmlPage(
      'SSO connection test',
      `<h1>${test.succeeded ? 'The connection works' : 'The connection needs attention'}</h1>
<p>This was a test sign-in: no account, membership or session was created.</p>
<table>
${row('Issuer', test.issuer)}
${row('Subject', test.subject)}
${row('Email', test.email)}
${row('First name', test.firstName)}
${row('Last name', test.lastName)}
${row('Groups', test.groups.join(', '))}
${row('Roles a login would give', test.roles.join(', '))}
</table>
<h2>Problems</h2>
${problems}${test.continueUrl ? `\n<p><a href="${escapeHtml(test.continueUrl)}">Back to the setup</a></p>` : ''}`,
      { wide: true },
    ),
  );
}
