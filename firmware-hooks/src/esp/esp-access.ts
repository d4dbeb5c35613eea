// Access to a FAT boot partition (an EFI system partition, or the Pi's boot partition), either as a mounted
// directory or, where vfat cannot be mounted (image builds, these CI machines), through mtools on a disk image.
// Paths are always relative and '/'-separated ("loader/entries/hearth-a.conf"), whatever the backend.

export interface EspAccess {
  /** Human-readable location, used in error messages ("/boot/efi", "disk.img@@1048576"). */
  readonly location: string;
  /** File contents, or null when the file does not exist. */
  readFile(path: string): Promise<string | null>;
  /**
   * Replace (or create) a file as atomically as the file system allows: write a temporary file next to it,
   * flush, then rename over the target. On FAT the rename is a single directory-entry update.
   */
  writeFile(path: string, content: string): Promise<void>;
  /** Rename within one directory; replaces `to` if it exists. */
  rename(from: string, to: string): Promise<void>;
  /** Remove a file; no error when it is already gone. */
  remove(path: string): Promise<void>;
  /** Names of the regular files in a directory, or null when the directory does not exist. */
  listFiles(dir: string): Promise<string[] | null>;
  exists(path: string): Promise<boolean>;
}

/** Where a file lives, for error messages: "disk.img@@1048576:loader/loader.conf". */
export function describePath(esp: EspAccess, path: string): string {
  return `${esp.location}${esp.location.endsWith('/') ? '' : '/'}${path}`;
}

export function checkRelativePath(path: string): void {
  if (path === '' || path.startsWith('/') || path.split('/').some((p) => p === '' || p === '.' || p === '..')) {
    throw new Error(`invalid boot-partition path "${path}": must be relative, without empty, "." or ".." parts`);
  }
}

/** Temporary names must not look like loader entries (systemd-boot reads every *.conf in loader/entries). */
export function tempNameFor(path: string): string {
  return `${path}.hearth-tmp`;
}
