// What a tool call offers to the rules: the parsed script of a Bash call, or the
// canonical path of a file tool. Computed once per evaluation.
import { canonicalPath, escapesCwd } from './paths.js';
import { analyseShell, unparseableShell, type ShellAnalysis } from './shell.js';
import type { ToolCall } from './types.js';

/** Input fields that name the file a tool acts on (Claude Code's Write/Edit/Read/NotebookEdit, LS/Grep/Glob). */
export const PATH_FIELDS = ['file_path', 'notebook_path', 'path'] as const;

/**
 * The tool whose `input.command` is a shell script (Claude Code's). Other tools' `command`
 * fields may be anything (SQL, a URL …): they are matched as plain input, never parsed.
 */
export const SHELL_TOOL = 'Bash';

export interface FileTarget {
  /** The input field it came from. */
  field: string;
  raw: string;
  canonical: string;
  escapesCwd: boolean;
}

export interface CallSubject {
  call: ToolCall;
  /** Present for the shell tool: its `input.command` parsed. */
  shell: ShellAnalysis | undefined;
  file: FileTarget | undefined;
}

export function subjectOf(call: ToolCall): CallSubject {
  const command = call.input['command'];
  let shell: ShellAnalysis | undefined;
  if (call.tool === SHELL_TOOL) {
    shell =
      typeof command === 'string'
        ? analyseShell(command, call.cwd)
        : unparseableShell('input.command is not a string');
  }
  return { call, shell, file: fileTarget(call) };
}

export function fileTarget(call: ToolCall): FileTarget | undefined {
  for (const field of PATH_FIELDS) {
    const raw = call.input[field];
    if (typeof raw === 'string' && raw !== '') {
      return { field, raw, canonical: canonicalPath(raw, call.cwd), escapesCwd: escapesCwd(raw, call.cwd) };
    }
  }
  return undefined;
}
