import '@segment-webhook/ui/styles.css';
import { createRoot } from 'react-dom/client';
import { ExamplePage } from './ExamplePage';

const root = document.getElementById('root');
if (root) createRoot(root).render(<ExamplePage />);
