/** The first records of a resource as a table: one column per top-level field of the first records. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') {
    const json = JSON.stringify(value);
    return json.length > 120 ? `${json.slice(0, 117)}…` : json;
  }
  return String(value);
}

export function RecordsTable({ records, caption }: { records: Record<string, unknown>[]; caption: string }) {
  if (records.length === 0) return <p className="muted">No records.</p>;
  const columns: string[] = [];
  for (const r of records.slice(0, 50)) {
    for (const key of Object.keys(r)) if (!key.startsWith('_') && !columns.includes(key)) columns.push(key);
  }
  const shown = columns.slice(0, 12);
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={caption}>
      <table className="table table-records">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {shown.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {records.map((r, i) => (
            <tr key={i}>
              {shown.map((c) => {
                const text = cell(r[c]);
                return (
                  <td key={c} title={text.length > 40 ? text : undefined}>
                    {text}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
