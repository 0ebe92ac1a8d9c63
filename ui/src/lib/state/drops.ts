// Who handles files dropped on the window. The Images screen imports them, wherever the
// person is, unless a container's Files tab is showing its drop zone: then they are
// uploaded into the container instead, and must not also be imported.
export const dropClaim = { active: false };
