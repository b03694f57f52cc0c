/** The `__metadata__` key (and index metadata key) holding the id of the sharded save that wrote a file. */
export const SAVE_ID_KEY = 'penjing_save_id';
