import { describe, expect, it } from 'vitest';
import { neutraliseCell } from './export-csv.ts';
import { safeEntryName } from './export-thread.ts';

// What a spreadsheet or an unzip tool would act on, neutralised: formula
// cells in CSV, paths and control characters in zip entry names.

describe('neutraliseCell', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['\rx', "'\rx"],
    ['a=b', 'a=b'],
    ['', ''],
    ['Ana López', 'Ana López'],
    [" '=already", " '=already"],
  ])('%j → %j', (input, out) => expect(neutraliseCell(input)).toBe(out));
});

describe('safeEntryName', () => {
  it.each([
    ['invoice 42.pdf', 'invoice 42.pdf'],
    ['../../etc/passwd', '_.._etc_passwd'],
    ['..\\..\\boot.ini', '_.._boot.ini'],
    ['.hidden', 'hidden'],
    ['a\u0000b\r\nc', 'a_b__c'],
    ['', 'file'],
    ['...', 'file'],
    ['x'.repeat(300), 'x'.repeat(120)],
    ['C:evil', 'C_evil'],
  ])('%j → %j', (input, out) => expect(safeEntryName(input)).toBe(out));
});
