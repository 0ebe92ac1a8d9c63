// Host paths as the commands take them (src-tauri/src/commands/host_path.rs). A file chosen
// in a native dialog or dropped on the window stays in the shell: the UI holds a token for
// it and shows its name (`PickedPath`). A path the person typed into a path field is sent
// as typed. A displayed path is never sent back as a path.
import type { HostPath, PickedPath } from '../bindings.gen';

/** A file chosen in a native dialog or dropped on the window. */
export const chosen = (picked: PickedPath): HostPath => ({ kind: 'chosen', token: picked.token });

/** A path the person typed (or pasted) into a path field. */
export const typed = (path: string): HostPath => ({ kind: 'typed', path: path.trim() });

/** What a path field sends: the chosen file's token, else the typed path; undefined when empty. */
export function hostPathOf(text: string, picked: PickedPath | undefined): HostPath | undefined {
  if (picked) return chosen(picked);
  return text.trim() ? typed(text) : undefined;
}

/** What a path field shows for its path (display only, never sent back as a path). */
export function shownPath(text: string, picked: PickedPath | undefined): string {
  return picked ? picked.display : text.trim();
}
