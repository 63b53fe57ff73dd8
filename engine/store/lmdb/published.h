/* published.h — the published tables: a second LMDB environment in DATA/tables/ holding every
 * compiled table the store holds (key: the assessment id, value: its table, scoring/table.h), in
 * its unnamed database, and nothing else. The engine writes it (store_publish.c) after each commit
 * that changes a table, and at open; libassay's local scorer (clients/c/local.c) reads it from
 * other processes. It is apart from the data environment so that a process may be let read the
 * tables (its group) and nothing of learners'. */
#ifndef AS_PUBLISHED_H
#define AS_PUBLISHED_H

#define AS_PUBLISHED_DIR "tables"
/* The modes, created as they must be (never wider for a moment): the directory and the data file
 * readable by the data directory's group; the lock file also writable by it, since an LMDB
 * reader takes a slot in it. */
#define AS_PUBLISHED_DIR_MODE  0750
#define AS_PUBLISHED_DATA_MODE 0640
#define AS_PUBLISHED_LOCK_MODE 0660
/* The map's size at first (it doubles when full; a reader follows with MDB_MAP_RESIZED). */
#define AS_PUBLISHED_MAP ((size_t)1 << 30)

#endif
