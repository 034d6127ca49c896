// The message both load generators send.

/** Bodies of ~2 KB document-download messages, a fresh messageId each; the generator signs them. */
export function messageFactory() {
  let counter = 0;
  const documents = Array.from({ length: 6 }, (_, i) => ({
    id: `0195d9a1-0000-7000-8000-00000000000${i}`,
    fileName: `document-${i}.xml`,
    description: 'Summary of care',
    status: 'current',
    mimeType: 'application/xml',
    size: 48213 + i,
  }));
  return () => {
    counter += 1;
    const body = JSON.stringify({
      meta: { messageId: `bench-${process.pid}-${Date.now()}-${counter}`, when: new Date().toISOString(), type: 'medical.document-download' },
      patients: [{ patientId: '0195d964-d166-7226-8912-76934c23c140', externalId: 'ext-1001', status: 'completed', documents }],
    });
    return body;
  };
}
